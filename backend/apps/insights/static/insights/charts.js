// Draws the owner's charts from the page's json_script block; the tables beside them hold the same figures.
(function () {
  "use strict";
  var node = document.getElementById("insights-data");
  if (!node || typeof Chart === "undefined") return;
  var d = JSON.parse(node.textContent);
  var common = { responsive: true, maintainAspectRatio: false, animation: false };

  new Chart(document.getElementById("chart-sales"), {
    data: {
      labels: d.labels,
      datasets: [
        { type: "bar", label: "conversations", data: d.conversations, yAxisID: "n", backgroundColor: "#9bb7d4" },
        { type: "bar", label: "orders via chat", data: d.orders, yAxisID: "n", backgroundColor: "#2a6f97" },
        { type: "line", label: "revenue via chat", data: d.revenue, yAxisID: "money", borderColor: "#c06014" }
      ]
    },
    options: Object.assign({}, common, {
      plugins: { title: { display: true, text: "Conversations, orders and revenue via chat" } },
      scales: { n: { position: "left", beginAtZero: true, ticks: { precision: 0 } },
                money: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false } } }
    })
  });

  new Chart(document.getElementById("chart-cost"), {
    data: {
      labels: d.labels,
      datasets: [
        { type: "bar", label: "LLM cost (USD)", data: d.cost, yAxisID: "usd", backgroundColor: "#b56576" },
        { type: "line", label: "LLM cost per order (USD)", data: d.cost_per_order, yAxisID: "usd",
          borderColor: "#355070", spanGaps: true }
      ]
    },
    options: Object.assign({}, common, {
      plugins: { title: { display: true, text: "LLM cost per day and per order" } },
      scales: { usd: { beginAtZero: true } }
    })
  });

  new Chart(document.getElementById("chart-funnel"), {
    type: "bar",
    data: { labels: d.funnel_labels, datasets: [{ label: "conversations", data: d.funnel, backgroundColor: "#2a6f97" }] },
    options: Object.assign({}, common, {
      indexAxis: "y",
      plugins: { legend: { display: false }, title: { display: true, text: "Funnel" } },
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }
    })
  });
})();
