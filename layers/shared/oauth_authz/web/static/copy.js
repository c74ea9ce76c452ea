// The copy buttons: for each <input data-copy>, a "Copy" button beside it that puts the input's value on the
// clipboard and says "Copied" in a live region. An external script (the pages' CSP is script-src 'self', no
// inline script); without it, or without the Clipboard API, the read-only input stays there to select.
"use strict";

(function () {
  function labelOf(input) {
    var named = input.getAttribute("data-copy");
    if (named) {
      return named;
    }
    var labels = input.labels;
    return labels && labels.length ? labels[0].textContent.trim() : "";
  }

  function enhance(input) {
    var what = labelOf(input);
    var field = document.createElement("div");
    field.className = "copy-field";
    input.parentNode.insertBefore(field, input);
    field.appendChild(input);

    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = "Copy";
    if (what) {
      button.setAttribute("aria-label", "Copy " + what);
    }
    field.appendChild(button);

    var status = document.createElement("span");
    status.className = "copy-status";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    field.appendChild(status);

    button.addEventListener("click", function () {
      status.textContent = "";
      navigator.clipboard.writeText(input.value).then(
        function () {
          status.textContent = "Copied";
        },
        function () {
          input.focus();
          input.select();
          status.textContent = "Copy failed: the text is selected, copy it with your keyboard";
        }
      );
    });
  }

  function start() {
    if (!navigator.clipboard || !navigator.clipboard.writeText) {
      return;
    }
    var inputs = document.querySelectorAll("input[data-copy]");
    for (var i = 0; i < inputs.length; i++) {
      enhance(inputs[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
