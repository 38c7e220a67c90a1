// "/" focuses the search box, as in most desks; not while the agent is typing somewhere.
document.addEventListener("keydown", (event) => {
  const typing = event.target.closest && event.target.closest("input, textarea, select");
  if (event.key !== "/" || typing || event.ctrlKey || event.metaKey || event.altKey) return;
  const box = document.getElementById("search-q");
  if (box) {
    event.preventDefault();
    box.focus();
  }
});

// ---- Live notifications, live queue and keyboard shortcuts (ntf) ----
(() => {
  // The agent's new notices and the queue's changes, pushed by /events (signed-in pages only).
  const badge = document.getElementById("ntf-badge");
  if (!badge || !window.EventSource) return;
  const count = document.getElementById("ntf-count");
  const toasts = document.getElementById("ntf-toasts");
  const showUnread = (n) => {
    count.textContent = String(n);
    badge.hidden = n <= 0;
  };
  const source = new EventSource("/events");
  source.addEventListener("unread", (event) => showUnread(JSON.parse(event.data).count));
  source.addEventListener("notice", (event) => {
    const notice = JSON.parse(event.data);
    showUnread(notice.unread);
    const toast = document.createElement("p");
    toast.className = "ntf-toast";
    const link = document.createElement("a");
    link.href = notice.href;
    link.textContent = notice.text;
    toast.append(link);
    toasts.append(toast);
    setTimeout(() => toast.remove(), 15000);
  });
  // The queue fetches its rows again at once; its slow polling stays as the fallback.
  source.addEventListener("queue", () => {
    const rows = document.getElementById("queue-rows");
    if (rows && window.htmx) window.htmx.trigger(rows, "queue-changed");
  });
})();

(() => {
  // j/k: next/previous ticket in a list, r: reply, t: take next, ?: this help.
  const move = (step) => {
    const rows = [...document.querySelectorAll("main table.list tbody tr")].filter((row) =>
      row.querySelector("a[href]"),
    );
    if (!rows.length) return;
    const at = rows.findIndex((row) => row.contains(document.activeElement));
    const next = at < 0 ? (step > 0 ? 0 : rows.length - 1) : Math.min(Math.max(at + step, 0), rows.length - 1);
    rows.forEach((row) => row.classList.remove("kbd-current"));
    rows[next].classList.add("kbd-current");
    rows[next].querySelector("a[href]").focus();
  };
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    const typing = event.target.closest && event.target.closest("input, textarea, select, [contenteditable]");
    const help = document.getElementById("kbd-help");
    if (typing || !help || help.open) return;
    if (event.key === "?") {
      help.showModal();
    } else if (event.key === "j" || event.key === "k") {
      move(event.key === "j" ? 1 : -1);
    } else if (event.key === "r" && document.getElementById("reply-body")) {
      document.getElementById("reply-body").focus();
    } else if (event.key === "t" && document.getElementById("take-next")) {
      document.getElementById("take-next").requestSubmit();
    } else {
      return;
    }
    event.preventDefault();
  });
})();
// The ticket page, complete (issue 16): a suggested article's button adds a link to it at the
// end of the reply box, on a line of its own, and leaves the agent typing after it.
document.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest(".tkt-insert-link");
  const box = document.getElementById("reply-body");
  if (!button || !box) return;
  const link = `${button.dataset.title}: ${button.dataset.url}`;
  const gap = box.value && !/\s$/.test(box.value) ? "\n" : "";
  box.value = `${box.value}${gap}${link}`;
  box.focus();
  box.setSelectionRange(box.value.length, box.value.length);
});
