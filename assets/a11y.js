// Focus management for keyboard and screen-reader users (issue #17, docs/accessibility.md).
// - After a client-side route change, focus moves to the new page's h1 (instead of <body>).
// - tsFocusHeading(): the same on a wizard step change (called by the page's handler).
// - tsFocusFirstInvalid(): after a failed submit, focus moves to the first invalid field.
(function () {
  "use strict";

  function whenReady(find, done, waitedMs) {
    // Reflex applies the state delta and React renders a moment after the event: poll briefly.
    var element = find();
    if (element || waitedMs >= 1500) {
      done(element);
      return;
    }
    setTimeout(function () { whenReady(find, done, waitedMs + 50); }, 50);
  }

  function focusHeading(previous) {
    whenReady(
      function () {
        var h1 = document.querySelector("main h1");
        return h1 && h1 !== previous ? h1 : null;
      },
      function (h1) {
        h1 = h1 || document.querySelector("main h1");
        if (!h1) return;
        h1.setAttribute("tabindex", "-1");
        window.scrollTo(0, 0);
        h1.focus({ preventScroll: true });
      },
      0
    );
  }

  window.tsFocusHeading = function () {
    setTimeout(function () { focusHeading(null); }, 50);
  };

  // After a confirm: the message that says what happened (role=status), read at once.
  window.tsFocusElement = function (selector) {
    setTimeout(function () {
      whenReady(
        function () { return document.querySelector(selector); },
        function (element) {
          if (!element) return;
          if (!element.hasAttribute("tabindex")) element.setAttribute("tabindex", "-1");
          element.focus({ preventScroll: true });
          element.scrollIntoView({ block: "center" });
        },
        0
      );
    }, 50);
  };

  window.tsFocusFirstInvalid = function () {
    setTimeout(function () {
      whenReady(
        function () { return document.querySelector("main [aria-invalid='true']"); },
        function (field) {
          if (field) {
            field.focus();
            field.scrollIntoView({ block: "center" });
          }
        },
        0
      );
    }, 50);
  };

  // A table or box that scrolls sideways must be reachable by keyboard (WCAG 2.1.1): Radix's
  // scroll area viewport gets tabindex=0 once it exists. Checked at most every 300 ms.
  var scrollCheck = null;
  function focusableScrollAreas() {
    scrollCheck = null;
    document.querySelectorAll(".rt-ScrollAreaViewport:not([tabindex])").forEach(function (el) {
      el.setAttribute("tabindex", "0");
    });
  }
  // A wizard step changes the h1's text ("Acquista ora · 2 di 4: …") without a route change:
  // focus goes to it and the page scrolls to the top, as after a route change.
  var heading = null;
  var headingText = null;
  function headingChanged() {
    var h1 = document.querySelector("main h1");
    if (!h1) return;
    var text = h1.textContent;
    if (h1 === heading && headingText !== null && text !== headingText) {
      h1.setAttribute("tabindex", "-1");
      window.scrollTo(0, 0);
      h1.focus({ preventScroll: true });
    }
    heading = h1;
    headingText = text;
  }
  new MutationObserver(function () {
    headingChanged();
    if (scrollCheck === null) scrollCheck = setTimeout(focusableScrollAreas, 300);
  }).observe(document.documentElement, { childList: true, subtree: true, characterData: true });

  // The users field: ArrowUp/ArrowDown press its "+"/"−" button (the same server event, so the
  // quote and its limits stay the backend's), focus stays in the field.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!target || !target.getAttribute || event.altKey || event.ctrlKey || event.metaKey) return;
    var buttonId =
      event.key === "ArrowUp" ? target.getAttribute("data-step-up")
        : event.key === "ArrowDown" ? target.getAttribute("data-step-down") : null;
    var button = buttonId && document.getElementById(buttonId);
    if (!button) return;
    event.preventDefault();
    button.click();
  });

  var lastPath = window.location.pathname;
  function routeChanged() {
    if (window.location.pathname === lastPath) return;
    lastPath = window.location.pathname;
    focusHeading(document.querySelector("main h1"));
  }
  ["pushState", "replaceState"].forEach(function (name) {
    var original = history[name];
    history[name] = function () {
      var result = original.apply(this, arguments);
      routeChanged();
      return result;
    };
  });
  window.addEventListener("popstate", routeChanged);
})();
