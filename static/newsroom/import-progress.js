// The page of a running import: polls its progress once a second, shows rows done and the
// time left, and reloads the page once the import has finished. (A file, not an inline
// script: the Content-Security-Policy allows scripts from this site only.)
(function () {
  "use strict";
  const box = document.getElementById("import-progress");
  if (!box) {
    return;
  }
  const bar = box.querySelector("progress");
  const text = box.querySelector(".import-progress-text");
  const started = Date.now();

  function show(data) {
    const done = data.processed || 0;
    bar.max = data.total;
    bar.value = done;
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const left = rate > 0 ? Math.round((data.total - done) / rate) : null;
    text.textContent =
      `${done.toLocaleString()} of ${data.total.toLocaleString()} rows` +
      (left !== null ? ` — about ${left} s left` : "");
  }

  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin" })
      .then((response) => response.json())
      .then((data) => {
        if (data.state !== "queued" && data.state !== "running") {
          window.location.reload();
          return;
        }
        if (data.total) {
          show(data);
        }
        setTimeout(poll, 1000);
      })
      .catch(() => setTimeout(poll, 3000));
  }

  poll();
})();
