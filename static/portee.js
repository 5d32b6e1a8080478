// After a failed submit, bring the keyboard and the screen reader to the list of mistakes.
// The page works without this file: the list is at the top of the form either way.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
});
