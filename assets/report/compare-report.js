/* Draws a comparison page (compare.html, a sweep's report.html) from the embedded data (see src/sweep/compare.ts and sweep-report.ts). */
(function () {
  'use strict';
  var C = window.balloonsimCharts;
  var data = C.readData();
  var app = document.getElementById('app');
  document.getElementById('loading').remove();
  app.appendChild(C.el('p', { class: 'subtitle', text: data.subtitle }));
  (data.notes || []).forEach(function (note) { app.appendChild(C.el('p', { class: 'note warn', text: note })); });

  function color(i) { return C.PALETTE[i % C.PALETTE.length]; }
  var MiB = 1024 * 1024;

  function runKey(i) { return '#' + (i + 1); }

  /** A run's status when it is not plain `ok` (sweep cases and settings). */
  function statusMark(run) { return run.status && run.status !== 'ok' ? ' [' + run.status + ']' : ''; }

  /** One legend for the whole page: a swatch, the run's number and its label. */
  function runLegend() {
    var list = C.el('div', { class: 'run-legend' });
    data.runs.forEach(function (run, i) {
      list.appendChild(C.el('span', { class: 'run-key' + (run.status && run.status !== 'ok' ? ' status-' + run.status : '') }, [
        C.el('span', { class: 'swatch', style: 'background:' + color(i) }),
        C.el('span', { text: runKey(i) + ' ' + run.label + (run.n ? ' (' + run.n + ' seeds)' : '') + statusMark(run) }),
      ]));
    });
    return list;
  }

  /** A uPlot plugin that draws on the chart after uPlot: draw(u, ctx, pixelRatio), between save and restore. */
  function onDraw(draw) {
    return { hooks: { draw: [function (u) { u.ctx.save(); draw(u, u.ctx, window.devicePixelRatio || 1); u.ctx.restore(); }] } };
  }

  /** Whether two boxes {x, y, w, h} overlap. */
  function overlaps(a, b) {
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
  }

  /**
   * A uPlot plugin that writes each run's number beside its point, at the
   * first of several places around the point where it overlaps no label
   * already written and stays inside the plot; a number with no free place is
   * left out (the legend and the table name every run).
   */
  function pointLabels(runs) {
    return onDraw(function (u, ctx, ratio) {
      ctx.font = Math.round(11 * ratio) + 'px sans-serif';
      ctx.fillStyle = '#1d2430';
      ctx.textBaseline = 'alphabetic';
      var placed = [];
      var box = u.bbox;
      runs.forEach(function (r) {
        if (r.y == null || !isFinite(r.y)) return;
        var x = u.valToPos(r.x, 'x', true);
        var y = u.valToPos(r.y, 'y', true);
        var text = runKey(r.i);
        var metrics = ctx.measureText(text);
        var w = metrics.width;
        var h = 11 * ratio;
        var gap = 6 * ratio;
        var spots = [[gap, -gap], [gap, h + gap / 2], [-w - gap, -gap], [-w - gap, h + gap / 2], [-w / 2, -gap * 1.6], [-w / 2, h + gap * 1.6]];
        for (var k = 0; k < spots.length; k++) {
          var label = { x: x + spots[k][0], y: y + spots[k][1] - h, w: w, h: h };
          var inside = label.x >= box.left && label.x + label.w <= box.left + box.width && label.y >= box.top && label.y + label.h <= box.top + box.height;
          if (!inside || placed.some(function (p) { return overlaps(p, label); })) continue;
          placed.push(label);
          ctx.fillText(text, label.x, label.y + h);
          return;
        }
      });
    });
  }

  /** A uPlot plugin that draws each point's 95 % interval as a vertical bar (and the x interval as a horizontal one). */
  function errorBars(runs) {
    return onDraw(function (u, ctx, ratio) {
      ctx.lineWidth = 1.5 * ratio;
      runs.forEach(function (r) {
        if (r.y == null || !isFinite(r.y)) return;
        ctx.strokeStyle = color(r.i);
        var cap = 4 * ratio;
        if (r.yLow != null && r.yHigh != null) {
          var x = u.valToPos(r.x, 'x', true);
          var lo = u.valToPos(r.yLow, 'y', true);
          var hi = u.valToPos(r.yHigh, 'y', true);
          ctx.beginPath();
          ctx.moveTo(x, lo); ctx.lineTo(x, hi);
          ctx.moveTo(x - cap, lo); ctx.lineTo(x + cap, lo);
          ctx.moveTo(x - cap, hi); ctx.lineTo(x + cap, hi);
          ctx.stroke();
        }
        if (r.xLow != null && r.xHigh != null) {
          var y = u.valToPos(r.y, 'y', true);
          var left = u.valToPos(r.xLow, 'x', true);
          var right = u.valToPos(r.xHigh, 'x', true);
          ctx.beginPath();
          ctx.moveTo(left, y); ctx.lineTo(right, y);
          ctx.moveTo(left, y - cap); ctx.lineTo(left, y + cap);
          ctx.moveTo(right, y - cap); ctx.lineTo(right, y + cap);
          ctx.stroke();
        }
      });
    });
  }

  function section(title, explain) {
    app.appendChild(C.el('h2', { text: title }));
    if (explain) app.appendChild(C.el('p', { class: 'explain', text: explain }));
    var grid = C.el('div', { class: 'grid' });
    app.appendChild(grid);
    return grid;
  }

  /** A metric's interval, scaled as the plot shows it. */
  function interval(run, key, scale) {
    var ci = run.ci95 && run.ci95[key];
    return ci ? [ci[0] * scale, ci[1] * scale] : [null, null];
  }

  /**
   * A scatter of runs: x is memory saved, y a cost; each run is its own
   * series (one point), so that the legend names it; a setting of several
   * seeds has error bars (its 95 % interval) on both axes.
   */
  function scatter(container, title, key, scale, kind, yTitle) {
    var runs = data.runs.map(function (run, i) {
      var xi = interval(run, 'savedBytesMean', 1 / MiB);
      var yi = interval(run, key, scale);
      return { i: i, x: run.metrics.savedBytesMean / MiB, y: run.metrics[key] * scale, xLow: xi[0], xHigh: xi[1], yLow: yi[0], yHigh: yi[1] };
    });
    var xs = runs.map(function (r) { return r.x; }).filter(function (x, i, all) { return all.indexOf(x) === i; }).sort(function (a, b) { return a - b; });
    var box = C.el('div', { class: 'panel' }, [C.el('h3', { text: title })]);
    var plot = C.el('div', { class: 'plot' });
    box.appendChild(plot);
    container.appendChild(box);
    var xAxis = C.valueAxis('mib', Math.max.apply(null, runs.map(function (r) { return r.xHigh != null ? r.xHigh : r.x; })), 'memory saved, mean');
    var yMax = Math.max.apply(null, runs.map(function (r) { return r.yHigh != null ? r.yHigh : r.y; }).filter(isFinite).concat([0]));
    var yAxis = C.valueAxis(kind, yMax, yTitle);
    var legendFormat = kind === 'pct' ? C.fmtPct : C.fmtNumber;
    var series = [{ label: 'saved', value: function (u, v) { return v == null ? '-' : C.fmtMiB(v); } }];
    var columns = [xs];
    runs.forEach(function (r) {
      series.push({
        label: data.runs[r.i].label,
        stroke: color(r.i),
        fill: color(r.i),
        paths: function () { return null; },
        points: { show: true, size: 11, width: 1, fill: color(r.i) },
        value: function (u, v) { return v == null ? '-' : legendFormat(v); },
      });
      columns.push(xs.map(function (x) { return x === r.x ? r.y : null; }));
    });
    var lows = runs.map(function (r) { return r.xLow != null ? r.xLow : r.x; });
    var highs = runs.map(function (r) { return r.xHigh != null ? r.xHigh : r.x; });
    var minX = Math.min.apply(null, lows), maxX = Math.max.apply(null, highs);
    var pad = Math.max((maxX - minX) * 0.1, 64);
    var chart = new uPlot({
      width: Math.max(320, box.clientWidth - 16),
      height: 280,
      scales: {
        x: { time: false, range: function () { return [Math.max(0, minX - pad), maxX + pad]; } },
        y: { range: function () { return [0, yMax > 0 ? yMax * 1.2 : 1]; } },
      },
      axes: [
        { label: xAxis.title, incrs: xAxis.incrs, space: 70, values: function (u, vals) { return vals.map(xAxis.tick); } },
        { label: yAxis.title, size: C.fitTicks, values: function (u, vals) { return vals.map(yAxis.tick); } },
      ],
      series: series,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      plugins: [errorBars(runs), pointLabels(runs)],
    }, columns, plot);
    C.plots.push(chart);
  }

  /** One bar per run (a setting's bar with its 95 % interval). */
  function bars(container, title, key, scale, kind, yTitle) {
    var box = C.el('div', { class: 'panel' }, [C.el('h3', { text: title })]);
    var plot = C.el('div', { class: 'plot' });
    box.appendChild(plot);
    container.appendChild(box);
    var xs = data.runs.map(function (run, i) { return i; });
    var values = data.runs.map(function (run) { return run.metrics[key] * scale; });
    var runs = data.runs.map(function (run, i) { var ci = interval(run, key, scale); return { i: i, x: i, y: values[i], yLow: ci[0], yHigh: ci[1] }; });
    var yMax = Math.max.apply(null, runs.map(function (r) { return r.yHigh != null ? r.yHigh : r.y; }).concat([0]));
    var yAxis = C.valueAxis(kind, yMax, yTitle);
    var legendFormat = kind === 'mib' ? C.fmtMiB : C.fmtNumber;
    var labels = data.runs.map(function (run, i) { return runKey(i); });
    var chart = new uPlot({
      width: Math.max(320, box.clientWidth - 16),
      height: 260,
      scales: { x: { time: false, range: function () { return [-0.6, xs.length - 0.4]; } }, y: { range: function () { return [0, yMax > 0 ? yMax * 1.1 : 1]; } } },
      axes: [
        { label: seeds ? 'setting' : 'run', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000], space: 34, values: function (u, vals) { return vals.map(function (v) { return labels[v] === undefined ? '' : labels[v]; }); } },
        { label: yAxis.title, size: C.fitTicks, incrs: yAxis.incrs, values: function (u, vals) { return vals.map(yAxis.tick); } },
      ],
      series: [
        { label: 'run', value: function (u, v) { return v == null ? '-' : labels[v] + ' ' + data.runs[v].label; } },
        { label: title, stroke: '#2f6fb3', fill: 'rgba(47,111,179,0.55)', paths: uPlot.paths.bars({ size: [0.6, 80] }), points: { show: false }, value: function (u, v) { return v == null ? '-' : legendFormat(v); } },
      ],
      legend: { live: true },
      plugins: [errorBars(runs.filter(function (r) { return r.yLow != null; }))],
    }, [xs, values], plot);
    C.plots.push(chart);
  }

  var seeds = data.runs.some(function (run) { return run.n != null; });
  if (data.runs.length === 0) {
    app.appendChild(C.el('p', { class: 'note', text: 'No run to compare.' }));
  } else {
    app.appendChild(C.el('h2', { text: seeds ? 'Settings' : 'Runs' }));
    app.appendChild(runLegend());
    var costs = section('Memory saved against its cost', 'Each point is a ' + (seeds ? 'setting (the mean over its seeds, with bars for its 95 % interval)' : 'run') +
      ', numbered as above: to the right, more memory saved; higher up, more cost to the guests. The best sit low and to the right.');
    scatter(costs, 'Major faults', 'majorFaults', 1, 'count', 'major faults');
    scatter(costs, 'Stall (all guests)', 'stallSeconds', 1, 'seconds', 'stall');
    scatter(costs, 'OOM kills', 'oomKills', 1, 'count', 'OOM kills');
    scatter(costs, 'Highest pressure (PSI some, avg10)', 'psiSomeMax', 100, 'pct', 'pressure');

    var each = section(seeds ? 'Setting by setting' : 'Run by run');
    bars(each, 'Memory saved (mean)', 'savedBytesMean', 1 / MiB, 'mib', 'memory saved');
    bars(each, 'Lowest host free memory', 'hostFreeBytesMin', 1 / MiB, 'mib', 'host free memory');

    if (data.series.length > 0) {
      var over = section('Over time', 'Host-wide figures of the runs that came with their time series (run --out directories).');
      [['Host memory held by guests', 'residentMiB', 'memory held'], ['Host free memory', 'hostFreeMiB', 'free memory'], ['Memory in balloons', 'balloonMiB', 'in balloons']].forEach(function (chart) {
        // Runs may have different sample times: each is drawn on the union of times, with gaps bridged.
        var times = [];
        data.series.forEach(function (s) { s.timesS.forEach(function (t) { times.push(t); }); });
        times = times.filter(function (t, i, all) { return all.indexOf(t) === i; }).sort(function (a, b) { return a - b; });
        var series = data.series.map(function (s, i) {
          var at = {};
          s.timesS.forEach(function (t, k) { at[t] = s[chart[1]][k]; });
          return { label: s.label, values: times.map(function (t) { return at[t] === undefined ? null : at[t]; }), color: color(i), spanGaps: true };
        });
        C.panel(over, { title: chart[0], x: times, series: series, kind: 'mib', yTitle: chart[2] });
      });
    }
  }

  app.appendChild(C.el('h2', { text: 'Table' }));
  app.appendChild(C.table(['#'].concat(data.table.header), data.table.rows.map(function (row, i) { return [runKey(i)].concat(row); }), [1]));
  (data.moreTables || []).forEach(function (more) {
    app.appendChild(C.el('h2', { text: more.title }));
    if (more.explain) app.appendChild(C.el('p', { class: 'explain', text: more.explain }));
    app.appendChild(C.table(more.header, more.rows, [0, more.header.length - 1]));
  });
  document.body.setAttribute('data-drawn', 'true');
})();
