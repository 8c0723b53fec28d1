// The dashboard's month-by-month chart (ECharts, served from our own static files).
(function () {
  const holder = document.getElementById("trend-chart");
  const source = document.getElementById("trend-data");
  if (!holder || !source || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const names = {
    household_visits: holder.dataset.visits || "走访户次",
    meetings: holder.dataset.meetings || "会议",
    cases: holder.dataset.cases || "登记事项",
    resolved: holder.dataset.resolved || "办结事项",
  };
  const chart = window.echarts.init(holder);
  chart.setOption({
    animation: false,
    // Drawn on the canvas: ECharts' HTML tooltip writes style attributes, which the CSP forbids.
    tooltip: { trigger: "axis", renderMode: "richText" },
    legend: { top: 0 },
    grid: { left: 48, right: 48, top: 36, bottom: 28 },
    xAxis: { type: "category", data: data.months },
    yAxis: [{ type: "value", name: names.household_visits }, { type: "value", name: names.cases }],
    series: [
      { name: names.household_visits, type: "bar", data: data.series.household_visits, itemStyle: { color: "#a61b1b" } },
      { name: names.meetings, type: "line", yAxisIndex: 1, data: data.series.meetings },
      { name: names.cases, type: "line", yAxisIndex: 1, data: data.series.cases },
      { name: names.resolved, type: "line", yAxisIndex: 1, data: data.series.resolved },
    ],
  });
  window.addEventListener("resize", () => chart.resize());
})();

// The person chooser lists the people of the department shown: choosing another department clears
// the person (who would otherwise win over it), and the page lists that department's people once shown.
(function () {
  const department = document.getElementById("department");
  const staff = document.getElementById("staff");
  if (!department || !staff) return;
  department.addEventListener("change", () => {
    staff.value = "";
    staff.disabled = true;
  });
})();
