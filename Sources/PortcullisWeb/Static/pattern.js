// Grid pattern drawing: drag across dots (mouse, pen or touch), tap them in turn, or use the arrow keys and Space.
// The dot numbers go into the form's text field, which also accepts typed numbers without JavaScript.
(() => {
  const toggle = document.querySelector(".show-pattern");
  const boards = [...document.querySelectorAll("fieldset.pattern")].map(setup);
  if (toggle) toggle.addEventListener("change", () => boards.forEach(b => b.render()));

  function setup(fieldset) {
    const size = Number(fieldset.dataset.size);
    const board = fieldset.querySelector(".pattern-board");
    const svg = fieldset.querySelector(".pattern-lines");
    const input = fieldset.querySelector(".pattern-input");
    const status = fieldset.querySelector(".pattern-status");
    const dots = [...fieldset.querySelectorAll(".dot")];
    // The grid's columns come from app.css by data-size (3 to 5): the Content-Security-Policy (style-src 'self')
    // drops style="" attributes, and the grid must lay out without this script too.
    let path = [];
    let drawing = false;
    const visible = () => Boolean(toggle && toggle.checked);

    function render(fromInput) {
      if (!fromInput) input.value = path.join("-");
      dots.forEach(dot => {
        const on = path.includes(Number(dot.dataset.dot));
        dot.setAttribute("aria-pressed", String(on));
        dot.classList.toggle("on", on && visible());
        dot.classList.toggle("touched", on);
      });
      status.textContent = path.length ? `${path.length} dot${path.length === 1 ? "" : "s"} joined.` : "No dots yet.";
      while (svg.firstChild) svg.removeChild(svg.firstChild);
      if (visible() && path.length > 1) {
        const box = board.getBoundingClientRect();
        const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
        line.setAttribute("points", path.map(n => {
          const r = dots[n - 1].getBoundingClientRect();
          return `${r.left + r.width / 2 - box.left},${r.top + r.height / 2 - box.top}`;
        }).join(" "));
        svg.appendChild(line);
      }
    }

    function add(n) {
      if (n >= 1 && n <= size * size && !path.includes(n)) { path.push(n); render(false); }
    }

    function dotAt(x, y) {
      const el = document.elementFromPoint(x, y);
      const dot = el && el.closest ? el.closest(".dot") : null;
      return dot && board.contains(dot) ? Number(dot.dataset.dot) : null;
    }

    board.addEventListener("pointerdown", event => {
      const n = dotAt(event.clientX, event.clientY);
      if (n === null) return;
      event.preventDefault();
      drawing = true;
      add(n);
    });
    board.addEventListener("pointermove", event => {
      if (!drawing) return;
      const n = dotAt(event.clientX, event.clientY);
      if (n !== null) add(n);
    });
    window.addEventListener("pointerup", () => { drawing = false; });
    window.addEventListener("pointercancel", () => { drawing = false; });

    dots.forEach((dot, index) => {
      // Keyboard (Space/Enter) and single taps arrive as clicks.
      dot.addEventListener("click", () => add(index + 1));
      dot.addEventListener("keydown", event => {
        const moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -size, ArrowDown: size };
        if (!(event.key in moves)) return;
        event.preventDefault();
        const target = index + moves[event.key];
        const sameRow = Math.floor(target / size) === Math.floor(index / size);
        if (target >= 0 && target < dots.length && (Math.abs(moves[event.key]) === size || sameRow)) dots[target].focus();
      });
    });

    input.addEventListener("input", () => {
      const seen = [];
      (input.value.match(/\d+/g) || []).map(Number).forEach(n => { if (n >= 1 && n <= size * size && !seen.includes(n)) seen.push(n); });
      path = seen;
      render(true);
    });
    fieldset.querySelector(".pattern-clear").addEventListener("click", () => { path = []; render(false); });
    render(false);
    return { render: () => render(false) };
  }
})();
