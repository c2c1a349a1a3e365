// The export page's progress, without a reload: while an archive is being made, fetch the
// page again every second and put its list of archives in place of this one; say once, in
// the status line, when one is ready. The page works without this script (reload it).
(() => {
  const POLL_MS = 1000;
  const unfinished = (list) => list.querySelector('li[data-state="pending"], li[data-state="running"]');
  async function poll() {
    const list = document.getElementById('exports');
    if (!list || !unfinished(list)) return;
    try {
      const response = await fetch(location.pathname, { headers: { Accept: 'text/html' } });
      if (response.ok) {
        const page = new DOMParser().parseFromString(await response.text(), 'text/html');
        const fresh = page.getElementById('exports');
        if (fresh) {
          const ready = fresh.querySelectorAll('li[data-state="done"]').length;
          if (ready > list.querySelectorAll('li[data-state="done"]').length) {
            document.getElementById('export-status').textContent = 'Your archive is ready to download.';
          }
          list.replaceWith(fresh);
        }
      }
    } catch (_) {
      // Offline for a moment: the next look may work.
    }
    setTimeout(poll, POLL_MS);
  }
  setTimeout(poll, POLL_MS);
})();
