// After a failed submit, bring the keyboard and the screen reader to the list of mistakes.
// The page works without this file: the list is at the top of the form either way.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
});

// A token to copy: a button beside its read-only box (the box alone works without JavaScript).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("input[data-copy]").forEach(function (box) {
    if (!navigator.clipboard) {
      return;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button-secondary";
    button.textContent = box.dataset.copyLabel;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(box.value).then(function () {
        button.textContent = box.dataset.copiedLabel;
      });
    });
    box.insertAdjacentElement("afterend", button);
  });
});
