// WebAuthn ceremonies: fetch options (posting the page's CSRF token), run navigator.credentials, and submit the
// result in the page's form. Used for registering a key, using one at the challenge, and passkey sign-in.
(() => {
  const b64 = {
    decode: s => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4)), c => c.charCodeAt(0)),
    encode: buf => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""),
  };
  const say = (box, text) => { if (box) { box.textContent = text; box.hidden = !text; } };

  async function options(url, fields) {
    const response = await fetch(url, { method: "POST", credentials: "same-origin", body: new URLSearchParams(fields) });
    if (!response.ok) throw new Error("The server refused the request.");
    return response.json();
  }

  function credentialList(list) {
    return (list || []).map(c => ({ type: c.type, id: b64.decode(c.id), transports: c.transports && c.transports.length ? c.transports : undefined }));
  }

  function assertionJSON(cred) {
    return JSON.stringify({
      id: cred.id, rawId: b64.encode(cred.rawId), type: cred.type,
      response: {
        clientDataJSON: b64.encode(cred.response.clientDataJSON),
        authenticatorData: b64.encode(cred.response.authenticatorData),
        signature: b64.encode(cred.response.signature),
        userHandle: cred.response.userHandle ? b64.encode(cred.response.userHandle) : null,
      },
    });
  }

  document.querySelectorAll("[data-webauthn]").forEach(button => {
    const mode = button.dataset.webauthn;
    const form = document.getElementById(button.dataset.form);
    const status = document.getElementById(button.dataset.status);
    if (!window.PublicKeyCredential) { say(status, "This browser cannot use security keys or passkeys."); button.disabled = true; return; }
    button.addEventListener("click", async () => {
      button.disabled = true;
      say(status, "");
      try {
        const csrf = form.querySelector("input[name=csrf]").value;
        const fields = { csrf };
        const factor = form.querySelector("input[name=factor_id]");
        if (factor) fields.factor_id = factor.value;
        const o = await options(button.dataset.optionsUrl, fields);
        const pk = o.publicKey;
        pk.challenge = b64.decode(pk.challenge);
        form.querySelector("input[name=challenge_id]").value = o.challengeId;
        if (mode === "register") {
          pk.user.id = b64.decode(pk.user.id);
          pk.excludeCredentials = credentialList(pk.excludeCredentials);
          const cred = await navigator.credentials.create({ publicKey: pk });
          form.querySelector("input[name=credential]").value = JSON.stringify({
            id: cred.id, rawId: b64.encode(cred.rawId), type: cred.type,
            response: {
              clientDataJSON: b64.encode(cred.response.clientDataJSON),
              attestationObject: b64.encode(cred.response.attestationObject),
              transports: cred.response.getTransports ? cred.response.getTransports() : [],
            },
          });
          const label = document.getElementById("key-label");
          if (label) form.querySelector("input[name=label]").value = label.value;
        } else {
          pk.allowCredentials = credentialList(pk.allowCredentials);
          const cred = await navigator.credentials.get({ publicKey: pk });
          form.querySelector("input[name=assertion]").value = assertionJSON(cred);
        }
        form.submit();
      } catch (error) {
        say(status, error && error.name === "NotAllowedError" ? "Cancelled or timed out. Try again, or use another method."
                                                               : "That did not work: " + (error && error.message ? error.message : error));
        button.disabled = false;
      }
    });
  });
})();
