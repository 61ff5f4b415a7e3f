/**
 * The run page's only script: follows the run's Server-Sent Events (EventSource reconnects by itself and sends
 * Last-Event-ID, so it resumes where it stopped), appends each event and updates the status. No dependencies.
 */
export const LIVE_SCRIPT = `(() => {
  const box = document.getElementById("events");
  if (!box || !window.EventSource) return;
  const state = document.getElementById("live-state");
  const statusEl = document.getElementById("run-status");
  const run = box.dataset.run;
  const es = new EventSource("/dashboard/runs/" + encodeURIComponent(run) + "/events?after=" + encodeURIComponent(box.dataset.lastId || "0"));
  es.onopen = () => { if (state) state.textContent = "live"; };
  es.onerror = () => { if (state) state.textContent = "reconnecting…"; };
  es.addEventListener("run-event", (m) => {
    const e = JSON.parse(m.data);
    if (box.querySelector('[data-id="' + e.id + '"]')) return;
    const line = document.createElement("div");
    line.className = e.level;
    line.dataset.id = e.id;
    const b = document.createElement("b");
    b.textContent = e.type;
    line.append(e.at.slice(11, 19) + " " + (e.phase || "-") + " ", b, " " + e.message);
    box.append(line);
    box.scrollTop = box.scrollHeight;
  });
  es.addEventListener("status", (m) => {
    const s = JSON.parse(m.data);
    if (statusEl) { statusEl.textContent = s.status; statusEl.className = "status " + s.status; }
    if (s.final) {
      // Cancel and Answer go with the run; Retry comes with the page of an ended run.
      const c = document.getElementById("controls");
      if (c) c.innerHTML = '<h2>Controls</h2><p>The run has ended. <a href="" id="reload-to-retry">Reload the page</a> to retry it.</p>';
      if (state) state.textContent = "ended";
      es.close();
    }
  });
})();
`;
