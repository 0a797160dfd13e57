// Inbound SMS confirmation: polls whether the user's text has arrived, then finishes the sign-in.
(() => {
  const box = document.getElementById("inbound");
  const form = document.getElementById("inbound-form");
  if (!box || !form) return;
  const url = box.dataset.statusUrl;
  const poll = async () => {
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      if (response.ok && (await response.json()).confirmed) {
        // "Remember this device" is in the challenge's own form: carry it over.
        const remember = document.getElementById("remember-device");
        if (remember && remember.checked) {
          const field = document.createElement("input");
          field.type = "hidden";
          field.name = "remember";
          field.value = "1";
          form.appendChild(field);
        }
        form.submit();
        return;
      }
    } catch (_) { /* network hiccup: try again */ }
    setTimeout(poll, 2000);
  };
  setTimeout(poll, 2000);
})();
