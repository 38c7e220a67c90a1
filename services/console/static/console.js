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
