// Draws the state diagram from the Mermaid text the server generated.
document.addEventListener("DOMContentLoaded", function () {
  if (window.mermaid) {
    window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
    window.mermaid.run({ querySelector: ".mermaid" });
  }
});
