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
