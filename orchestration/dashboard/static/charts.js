// Draws every chart of the page: each <script type="application/json" class="figure"> holds a
// plotly.js figure (data and layout) and is replaced by the chart it describes.
(function () {
  var config = { displayModeBar: false, responsive: true };
  document.querySelectorAll("script.figure").forEach(function (source) {
    var figure = JSON.parse(source.textContent);
    var chart = document.createElement("div");
    chart.className = "chart";
    source.parentNode.insertBefore(chart, source);
    Plotly.newPlot(chart, figure.data, figure.layout, config);
  });
})();
