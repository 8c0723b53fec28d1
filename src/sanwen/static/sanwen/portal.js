// The public portal's only script (served from our own origin; the CSP allows nothing else).
(function () {
  // Villages of the chosen township only.
  const township = document.getElementById("id_township");
  const village = document.getElementById("id_village");
  if (township && village) {
    const options = Array.from(village.options);
    const filter = () => {
      const chosen = township.value;
      options.forEach((option) => {
        if (!option.value) return;
        const show = !chosen || option.dataset.township === chosen;
        option.hidden = !show;
        option.disabled = !show;
      });
      if (village.selectedOptions[0] && village.selectedOptions[0].disabled) village.value = "";
    };
    township.addEventListener("change", filter);
    filter();
  }
  // Characters left in the description.
  const text = document.getElementById("id_text");
  const count = document.getElementById("text-count");
  if (text && count) {
    const max = parseInt(count.dataset.max, 10);
    const show = () => { count.textContent = `${text.value.length} / ${max}`; };
    text.addEventListener("input", show);
    show();
  }
  // A preview of the chosen photo.
  const photo = document.getElementById("id_photo");
  const preview = document.getElementById("photo-preview");
  if (photo && preview) {
    photo.addEventListener("change", () => {
      const file = photo.files && photo.files[0];
      if (file && file.type.startsWith("image/")) {
        preview.src = URL.createObjectURL(file);
        preview.classList.remove("d-none");
      } else {
        preview.classList.add("d-none");
      }
    });
  }
  // Copy the tracking code.
  const copy = document.getElementById("copy-code");
  if (copy && navigator.clipboard) {
    copy.addEventListener("click", () => navigator.clipboard.writeText(copy.dataset.code));
  }
  // Do not send twice on a slow connection.
  const form = document.getElementById("raise-form");
  if (form) {
    form.addEventListener("submit", () => {
      const button = document.getElementById("raise-submit");
      if (button) setTimeout(() => { button.disabled = true; }, 0);
    });
  }
})();
