// Visits and meetings: choosing several households (chips) and the items raised for each.
(function () {
  const chosen = document.getElementById('chosen');
  const hidden = document.getElementById('id_households');
  function ids() { return Array.from(chosen.querySelectorAll('.chip')).map(c => c.dataset.id); }
  function sync() {
    hidden.value = ids().join(',');
    document.querySelectorAll('.item-household').forEach(fillSelect);
  }
  function fillSelect(select) {
    const keep = select.value || select.dataset.value;
    select.innerHTML = '';
    chosen.querySelectorAll('.chip').forEach(c => {
      const o = document.createElement('option');
      o.value = c.dataset.id; o.textContent = c.dataset.label || c.firstChild.textContent.trim();
      if (o.value === keep) o.selected = true;
      select.appendChild(o);
    });
  }
  document.body.addEventListener('click', function (e) {
    const pick = e.target.closest('[data-household]');
    if (pick) {
      e.preventDefault();
      if (!ids().includes(pick.dataset.household)) {
        const chip = document.createElement('span');
        chip.className = 'badge text-bg-secondary chip';
        chip.dataset.id = pick.dataset.household;
        chip.dataset.label = pick.dataset.label;
        chip.append(document.createTextNode(pick.dataset.label + ' '));
        const x = document.createElement('a'); x.href = '#'; x.className = 'text-white remove-chip'; x.textContent = '×';
        chip.appendChild(x);
        chosen.appendChild(chip);
        sync();
      }
      document.getElementById('household-results').innerHTML = '';
      const q = document.getElementById('household-q'); q.value = ''; q.focus();
      return;
    }
    if (e.target.closest('.remove-chip')) { e.preventDefault(); e.target.closest('.chip').remove(); sync(); return; }
    if (e.target.closest('#add-item')) {
      const total = document.getElementById('id_items-TOTAL_FORMS');
      const html = document.getElementById('item-template').innerHTML.replace(/__prefix__/g, total.value);
      document.getElementById('items').insertAdjacentHTML('beforeend', html);
      total.value = parseInt(total.value, 10) + 1;
      sync();
      return;
    }
    if (e.target.closest('.remove-item')) {
      // Keep the numbering dense: renumber the remaining items.
      e.target.closest('.item').remove();
      const items = document.querySelectorAll('#items .item');
      items.forEach((item, n) => item.querySelectorAll('[name^="items-"], [id^="id_items-"]').forEach(el => {
        if (el.name) el.name = el.name.replace(/items-\d+-/, 'items-' + n + '-');
        if (el.id) el.id = el.id.replace(/items-\d+-/, 'items-' + n + '-');
      }));
      document.getElementById('id_items-TOTAL_FORMS').value = items.length;
    }
  });
  sync();
})();
