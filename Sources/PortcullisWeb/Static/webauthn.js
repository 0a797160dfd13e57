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
    if (!response.ok) {
      // Errors come as RFC 9457 problem documents; their detail is written for the user.
      const problem = await response.json().catch(() => null);
      throw new Error(problem && problem.detail ? problem.detail : "The server refused the request.");
    }
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

  // What to tell the user when the browser's ceremony fails (its own messages are written for developers).
  function message(mode, error) {
    const name = error && error.name;
    if (name === "InvalidStateError" && mode === "register") return "This security key is already registered. Use another key, or cancel.";
    if (name === "NotAllowedError") {
      return mode === "passkey" ? "No passkey was used: cancelled, timed out, or none for this site. Try again, or sign in with your username and password."
                                : "Cancelled or timed out. Try again, or use another method.";
    }
    return "That did not work: " + (error && error.message ? error.message : error);
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
        // Passkey sign-in: the organization whose sign-in page this is (/o/{org}/login), as the final form sends it.
        const org = form.querySelector("input[name=org]");
        if (org) fields.org = org.value;
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
        say(status, message(mode, error));
        button.disabled = false;
      }
    });
  });
})();
