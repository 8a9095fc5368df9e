/* Draws a comparison page (compare.html, a sweep's report.html) from the embedded data (see src/output/compare.ts). */
(function () {
  'use strict';
  var C = window.balloonsimCharts;
  var data = C.readData();
  var app = document.getElementById('app');
  document.getElementById('loading').remove();
  app.appendChild(C.el('p', { class: 'subtitle', text: data.subtitle }));

  function color(i) { return C.PALETTE[i % C.PALETTE.length]; }
  var GiB = 1024 * 1024 * 1024;

  function runKey(i) { return '#' + (i + 1); }

  /** One legend for the whole page: a swatch, the run's number and its label. */
  function runLegend() {
    var list = C.el('div', { class: 'run-legend' });
    data.runs.forEach(function (run, i) {
      list.appendChild(C.el('span', { class: 'run-key' }, [
        C.el('span', { class: 'swatch', style: 'background:' + color(i) }),
        C.el('span', { text: runKey(i) + ' ' + run.label }),
      ]));
    });
    return list;
  }

  /** A uPlot plugin that writes each run's number beside its point. */
  function pointLabels(runs) {
    return {
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx;
          ctx.save();
          ctx.font = Math.round(11 * devicePixelRatio) + 'px sans-serif';
          ctx.fillStyle = '#1d2430';
          ctx.textBaseline = 'bottom';
          var placed = {};
          runs.forEach(function (r) {
            if (r.y == null || !isFinite(r.y)) return;
            var x = u.valToPos(r.x, 'x', true);
            var y = u.valToPos(r.y, 'y', true);
            var key = Math.round(x / 12) + ':' + Math.round(y / 12);
            var stack = placed[key] || 0;
            placed[key] = stack + 1;
            ctx.fillText(runKey(r.i), x + 7 * devicePixelRatio, y - 4 * devicePixelRatio - stack * 12 * devicePixelRatio);
          });
          ctx.restore();
        }],
      },
    };
  }

  function section(title, explain) {
    app.appendChild(C.el('h2', { text: title }));
    if (explain) app.appendChild(C.el('p', { class: 'explain', text: explain }));
    var grid = C.el('div', { class: 'grid' });
    app.appendChild(grid);
    return grid;
  }

  /**
   * A scatter of runs: x is memory saved, y a cost; each run is its own
   * series (one point), so that the legend names it.
   */
  function scatter(container, title, yOf, yFormat) {
    var runs = data.runs.map(function (run, i) { return { i: i, x: run.metrics.savedBytesMean / GiB, y: yOf(run.metrics) }; });
    var xs = runs.map(function (r) { return r.x; }).filter(function (x, i, all) { return all.indexOf(x) === i; }).sort(function (a, b) { return a - b; });
    var box = C.el('div', { class: 'panel' }, [C.el('h3', { text: title })]);
    var plot = C.el('div', { class: 'plot' });
    box.appendChild(plot);
    container.appendChild(box);
    var series = [{ label: 'saved', value: function (u, v) { return v == null ? '-' : C.fmtMiB(v * 1024); } }];
    var columns = [xs];
    runs.forEach(function (r) {
      var values = xs.map(function (x) { return x === r.x ? r.y : null; });
      series.push({
        label: data.runs[r.i].label,
        stroke: color(r.i),
        fill: color(r.i),
        paths: function () { return null; },
        points: { show: true, size: 11, width: 1, fill: color(r.i) },
        value: function (u, v) { return v == null ? '-' : yFormat(v); },
      });
      columns.push(values);
    });
    var minX = xs[0], maxX = xs[xs.length - 1];
    var pad = Math.max((maxX - minX) * 0.08, 0.05);
    new uPlot({
      width: Math.max(320, box.clientWidth - 16),
      height: 260,
      scales: {
        x: { time: false, range: function () { return [Math.max(0, minX - pad), maxX + pad]; } },
        y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.15 : 1]; } },
      },
      axes: [
        { label: 'memory saved (mean)', values: function (u, vals) { return vals.map(function (v) { return C.fmtMiB(v * 1024); }); } },
        { size: 70, values: function (u, vals) { return vals.map(yFormat); } },
      ],
      series: series,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      plugins: [pointLabels(runs)],
    }, columns, plot);
  }

  /** One bar per run. */
  function bars(container, title, yOf, yFormat) {
    var box = C.el('div', { class: 'panel' }, [C.el('h3', { text: title })]);
    var plot = C.el('div', { class: 'plot' });
    box.appendChild(plot);
    container.appendChild(box);
    var xs = data.runs.map(function (run, i) { return i; });
    var labels = data.runs.map(function (run, i) { return runKey(i); });
    new uPlot({
      width: Math.max(320, box.clientWidth - 16),
      height: 260,
      scales: { x: { time: false, range: function () { return [-0.6, xs.length - 0.4]; } }, y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; } } },
      axes: [
        { incrs: [1], values: function (u, vals) { return vals.map(function (v) { return labels[v] === undefined ? '' : labels[v]; }); }, rotate: 0 },
        { size: 70, incrs: yFormat === C.fmtMiB ? C.MIB_INCRS : undefined, values: function (u, vals) { return vals.map(yFormat); } },
      ],
      series: [
        { label: 'run', value: function (u, v) { return v == null ? '-' : labels[v] + ' ' + data.runs[v].label; } },
        { label: title, stroke: '#2f6fb3', fill: 'rgba(47,111,179,0.55)', paths: uPlot.paths.bars({ size: [0.6, 80] }), points: { show: false }, value: function (u, v) { return v == null ? '-' : yFormat(v); } },
      ],
      legend: { live: true },
    }, [xs, data.runs.map(function (run) { return yOf(run.metrics); })], plot);
  }

  if (data.runs.length === 0) {
    app.appendChild(C.el('p', { class: 'note', text: 'No run to compare.' }));
  } else {
    app.appendChild(C.el('h2', { text: 'Runs' }));
    app.appendChild(runLegend());
    var costs = section('Memory saved against its cost', 'Each point is a run, numbered as above: to the right, more memory saved; higher up, more cost to the guests. The best runs sit low and to the right.');
    scatter(costs, 'Major faults', function (m) { return m.majorFaults; }, C.fmtNumber);
    scatter(costs, 'Stall (seconds, all guests)', function (m) { return m.stallSeconds; }, C.fmtNumber);
    scatter(costs, 'OOM kills', function (m) { return m.oomKills; }, C.fmtNumber);
    scatter(costs, 'Highest pressure (PSI some, avg10)', function (m) { return m.psiSomeMax * 100; }, C.fmtPct);

    var each = section('Run by run');
    bars(each, 'Memory saved (mean)', function (m) { return m.savedBytesMean / 1024 / 1024; }, C.fmtMiB);
    bars(each, 'Lowest host free memory', function (m) { return m.hostFreeBytesMin / 1024 / 1024; }, C.fmtMiB);

    if (data.series.length > 0) {
      var over = section('Over time', 'Host-wide figures of the runs that came with their time series (run --out directories).');
      [['Host memory held by guests', 'residentMiB'], ['Host free memory', 'hostFreeMiB'], ['Memory in balloons', 'balloonMiB']].forEach(function (chart) {
        // Runs may have different sample times: each is drawn on the union of times, with gaps bridged.
        var times = [];
        data.series.forEach(function (s) { s.timesS.forEach(function (t) { times.push(t); }); });
        times = times.filter(function (t, i, all) { return all.indexOf(t) === i; }).sort(function (a, b) { return a - b; });
        var series = data.series.map(function (s, i) {
          var at = {};
          s.timesS.forEach(function (t, k) { at[t] = s[chart[1]][k]; });
          return { label: s.label, values: times.map(function (t) { return at[t] === undefined ? null : at[t]; }), color: color(i), spanGaps: true };
        });
        C.panel(over, { title: chart[0], x: times, series: series, yFormat: C.fmtMiB });
      });
    }
  }

  app.appendChild(C.el('h2', { text: 'Table' }));
  app.appendChild(C.el('div', { class: 'wide' }, [C.table(['#'].concat(data.table.header), data.table.rows.map(function (row, i) { return [runKey(i)].concat(row); }), [1])]));
  document.body.setAttribute('data-drawn', 'true');
})();
