// Prints the backup codes page (inline handlers are blocked by the Content-Security-Policy).
document.getElementById("print-codes")?.addEventListener("click", () => window.print());
