// Expectation filters: a status button and free text, both applied to every row of the table.
for (const card of document.querySelectorAll('[data-expectations]')) {
  const rows = [...card.querySelectorAll('tbody tr')]
  const buttons = [...card.querySelectorAll('[data-filter]')]
  const search = card.querySelector('input[type=search]')
  const shown = card.querySelector('.shown')
  if (!search) continue
  let status = 'all'
  const apply = () => {
    const words = search.value.toLowerCase().split(/\s+/).filter(Boolean)
    let visible = 0
    for (const row of rows) {
      const text = row.textContent.toLowerCase()
      row.hidden = !((status === 'all' || row.dataset.status === status) && words.every((word) => text.includes(word)))
      if (!row.hidden) visible++
    }
    shown.textContent = visible === rows.length ? '' : `showing ${visible} of ${rows.length}`
  }
  for (const button of buttons) {
    button.addEventListener('click', () => {
      status = button.dataset.filter
      for (const other of buttons) other.setAttribute('aria-pressed', String(other === button))
      apply()
    })
  }
  search.addEventListener('input', apply)
}
