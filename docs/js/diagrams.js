// Draws every ```mermaid block of this site with the vendored mermaid (docs/js/mermaid.min.js,
// mermaid 11.17.2 from npm, MIT): nothing is fetched from a CDN, so the site renders offline.
// The blocks carry the class "sccos-diagram" (mkdocs.yml), not "mermaid", so the theme's own
// mermaid integration (which loads the library from unpkg.com) never runs.
document.addEventListener("DOMContentLoaded", function () {
  mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "neutral" });
  mermaid.run({ querySelector: ".sccos-diagram" });
});
