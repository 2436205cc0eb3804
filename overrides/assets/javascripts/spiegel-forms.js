// Optional enhancement: tell the endpoint how long the form was open (bots submit instantly).
// Forms work the same without JavaScript; the endpoint then skips this check.
(function () {
  var start = Date.now();
  document.addEventListener("submit", function (event) {
    var field = event.target.querySelector && event.target.querySelector("input[name=_elapsed]");
    if (field) field.value = String(Date.now() - start);
  }, true);
})();

// Agenda: live seats from the endpoint ("nog 3 plaatsen vrij", "vol: wachtlijst"). Only the
// sentence about a full session is replaced: who takes a place (patients, or parents at the
// children's ward) is the page's own text, from the session's roles. Without JavaScript the page
// says how many seats there are in total, and the answer to the form tells the truth.
(function () {
  var cells = document.querySelectorAll("[data-spiegel-seats]");
  if (!cells.length || !window.fetch) return;
  var endpoint = (cells[0].getAttribute("data-endpoint") || "/api").replace(/\/$/, "");
  fetch(endpoint + "/sessions", {headers: {accept: "application/json"}})
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (data) {
      if (!data) return;
      var byId = {};
      data.sessions.forEach(function (s) { byId[s.id] = s; });
      cells.forEach(function (cell) {
        var s = byId[cell.getAttribute("data-spiegel-seats")];
        if (!s || s.available === null) return;
        if (s.cancelled) return;
        cell.textContent = s.full
          ? "Vol. Meldt u zich nu aan, dan komt u op de wachtlijst."
          : "Nog " + s.available + (s.available === 1 ? " plaats" : " plaatsen") + " vrij.";
      });
    })
    .catch(function () { /* keep the text from the build */ });
})();

// Sign-up form: "Meld u aan voor deze bijeenkomst" links to #f-sessie-<id>; choose that session.
(function () {
  var id = decodeURIComponent(location.hash.slice(1));
  if (id.indexOf("f-sessie-") !== 0) return;
  var radio = document.getElementById(id);
  if (radio && radio.type === "radio") radio.checked = true;
})();

// The printed leaflet says on which day it was printed (without JavaScript: the build date).
(function () {
  var months = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
    "september", "oktober", "november", "december"];
  function stamp() {
    var d = new Date();
    var text = "Afgedrukt op " + d.getDate() + " " + months[d.getMonth()] + " " + d.getFullYear();
    document.querySelectorAll("[data-spiegel-printdate]").forEach(function (el) {
      el.textContent = text;
    });
  }
  stamp();
  window.addEventListener("beforeprint", stamp);
})();
