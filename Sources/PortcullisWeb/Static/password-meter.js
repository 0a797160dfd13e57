// The strength meter beside a new password: the server's estimate (PasswordChecker.strength) run in the browser while
// typing, without the blocklist, which only the server checks. Nothing leaves the page.
(function () {
  "use strict";
  var input = document.getElementById("new-password");
  var meter = document.getElementById("password-strength");
  var label = document.getElementById("password-strength-label");
  if (!input || !meter || !label) return;
  var names = ["Very weak", "Weak", "Fair", "Strong", "Very strong"];

  function strength(text) {
    var chars = Array.from(text.normalize("NFKC"));
    if (chars.length === 0) return 0;
    var pool = 0;
    if (/[a-z]/.test(text)) pool += 26;
    if (/[A-Z]/.test(text)) pool += 26;
    if (/[0-9]/.test(text)) pool += 10;
    if (/[\x20-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]/.test(text)) pool += 33;
    if (/[^\x00-\x7f]/.test(text)) pool += 100;
    var effective = 1, run = 1;
    for (var i = 1; i < chars.length; i++) {
      var difference = Math.abs(chars[i].codePointAt(0) - chars[i - 1].codePointAt(0));
      run = difference <= 1 ? run + 1 : 1;
      if (run <= 2) effective += 1;
    }
    var guesses = effective * Math.log10(Math.max(pool, 2));
    var byGuesses = guesses < 3 ? 0 : guesses < 6 ? 1 : guesses < 8 ? 2 : guesses < 10 ? 3 : 4;
    var n = chars.length;
    var byLength = n < 8 ? 1 : n < 12 ? 2 : n < 16 ? 3 : 4;
    return Math.min(byGuesses, byLength);
  }

  input.addEventListener("input", function () {
    var score = strength(input.value);
    var minimum = parseInt(input.getAttribute("data-minimum") || "0", 10);
    var short = Array.from(input.value.normalize("NFKC")).length < minimum;
    meter.value = score;
    label.textContent = input.value === "" ? "Not rated yet" : names[score] + (short ? " (too short)" : "");
  });
})();
