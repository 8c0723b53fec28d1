document.getElementById("print-cards")?.addEventListener("click", () => window.print());
