// The rooms drawer (`components::sidebar`, a <details>): Escape closes it when it is open and
// the key was pressed inside it, and puts focus back on its toggle. A static script rather than
// the bundle's, so that the pages the server renders alone (search, saved, threads) have it too.
document.addEventListener('keydown', (event) => {
  if (event.key !== 'Escape') return;
  const drawer = document.getElementById('sidebar');
  if (!drawer || !drawer.open || !drawer.contains(event.target)) return;
  drawer.open = false;
  drawer.querySelector('summary')?.focus();
});
