// The setup wizard's "Check availability" button: asks the server, says the answer.
(function () {
  var button = document.getElementById("check-subdomain");
  if (!button) return;
  var field = document.getElementById("id_subdomain");
  var result = document.getElementById("subdomain-result");
  button.addEventListener("click", function () {
    var url = button.dataset.url + "?subdomain=" + encodeURIComponent(field.value.trim());
    result.textContent = "…";
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        result.textContent = data.available
          ? data.subdomain + " " + button.dataset.available
          : data.subdomain + " " + button.dataset.unavailable + " " + data.reason;
        result.className = data.available ? "available" : "unavailable";
      })
      .catch(function () { result.textContent = button.dataset.failed; });
  });
})();
