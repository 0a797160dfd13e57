// Inbound SMS confirmation: polls whether the user's text has arrived, then finishes the sign-in.
(() => {
  const box = document.getElementById("inbound");
  const form = document.getElementById("inbound-form");
  if (!box || !form) return;
  const url = box.dataset.statusUrl;
  const poll = async () => {
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      if (response.ok && (await response.json()).confirmed) { form.submit(); return; }
    } catch (_) { /* network hiccup: try again */ }
    setTimeout(poll, 2000);
  };
  setTimeout(poll, 2000);
})();
