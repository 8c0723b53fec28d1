// Registering a case: choosing the one household the case is about from the search results.
(function () {
  "use strict";
  document.body.addEventListener("click", function (e) {
    const pick = e.target.closest("[data-household]");
    if (!pick) return;
    e.preventDefault();
    document.getElementById("id_household").value = pick.dataset.household;
    document.getElementById("chosen-household").innerHTML = "";
    const badge = document.createElement("span");
    badge.className = "badge text-bg-secondary";
    badge.textContent = pick.dataset.label;
    document.getElementById("chosen-household").appendChild(badge);
    document.getElementById("household-results").innerHTML = "";
  });
})();
