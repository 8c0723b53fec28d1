// Recording a visit: the phone's position, if the person allows it. The messages come from the
// page (#location-status data-* attributes), in the user's language.
(function () {
  "use strict";
  const box = document.getElementById("location-status");
  if (!box) return;
  const status = box.querySelector("span");
  if (!navigator.geolocation) { status.textContent = box.dataset.unavailable; return; }
  navigator.geolocation.getCurrentPosition(function (p) {
    document.getElementById("id_latitude").value = p.coords.latitude.toFixed(6);
    document.getElementById("id_longitude").value = p.coords.longitude.toFixed(6);
    document.getElementById("id_accuracy").value = Math.round(p.coords.accuracy);
    status.textContent = box.dataset.recorded + " (±" + Math.round(p.coords.accuracy) + " m)";
  }, function () { status.textContent = box.dataset.refused; },
  { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
})();
