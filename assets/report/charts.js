/*
 * Chart helpers shared by balloonsim's report pages. uPlot (inlined before
 * this script) draws; these helpers lay out panels, format units and stack
 * areas. Everything they need is in the page: nothing is fetched.
 */
(function () {
  'use strict';

  var PALETTE = ['#2f6fb3', '#d9822b', '#3d9a50', '#c23b3b', '#7b5ea7', '#8c6d3a', '#d16ba5', '#5f7b8c', '#b5a32b', '#2aa3a3',
    '#1f4e79', '#a05a14', '#22693a', '#8a2323', '#54407a', '#5e4824'];
  var STACK_COLORS = { kernel: '#8d99ae', anon: '#2f6fb3', cache: '#7fb3e0', free: '#cfe8cf', balloon: '#f2b26b' };
  var STATE_COLORS = ['rgba(61,154,80,0.10)', 'rgba(242,178,107,0.22)', 'rgba(217,112,43,0.26)', 'rgba(194,59,59,0.30)'];

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        if (key === 'text') node.textContent = attrs[key];
        else node.setAttribute(key, attrs[key]);
      });
    }
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  /** Simulated seconds as 90s, 5m, 1h30m. */
  function fmtTime(seconds) {
    if (seconds == null || !isFinite(seconds)) return '-';
    var s = Math.round(seconds * 1000) / 1000;
    if (s < 120 && !(s >= 60 && s % 60 === 0)) return s + 's';
    var m = s / 60;
    if (m < 120) return (Math.round(m * 10) / 10) + 'm';
    var h = Math.floor(m / 60);
    var rest = Math.round(m - h * 60);
    return rest === 0 ? h + 'h' : h + 'h' + rest + 'm';
  }

  /** A size given in MiB, with a binary unit. */
  function fmtMiB(mib) {
    if (mib == null || !isFinite(mib)) return '-';
    var abs = Math.abs(mib);
    if (abs >= 1024 * 1024) return Number((mib / 1024 / 1024).toFixed(2)) + ' TiB';
    if (abs >= 1024) return Number((mib / 1024).toFixed(abs >= 10240 ? 1 : 2)) + ' GiB';
    if (abs >= 1) return Number(mib.toFixed(abs >= 100 ? 0 : 1)) + ' MiB';
    if (abs === 0) return '0';
    return Number((mib * 1024).toFixed(0)) + ' KiB';
  }

  function fmtNumber(value) {
    if (value == null || !isFinite(value)) return '-';
    if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
    return String(Math.round(value * 1000) / 1000);
  }

  function fmtPct(value) {
    return value == null || !isFinite(value) ? '-' : (Math.round(value * 100) / 100) + ' %';
  }

  /** Axis steps: whole simulated-time units, and binary sizes for MiB axes. */
  var TIME_INCRS = [0.001, 0.01, 0.1, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];
  var MIB_INCRS = [];
  for (var e = -4; e <= 30; e++) MIB_INCRS.push(Math.pow(2, e));

  function plotWidth(panel) {
    var width = panel.clientWidth - 16;
    return Math.max(320, Math.min(width, 1400));
  }

  function fromZero(u, min, max) {
    return [0, max > 0 ? max * 1.05 : 1];
  }

  /**
   * A panel with a title and one uPlot chart.
   * spec: {title, x, series: [{label, values, color, dash, fill, width, show, legend}], yFormat, height, plugins, explain}
   */
  function panel(container, spec) {
    var box = el('div', { class: 'panel' }, [el('h3', { text: spec.title })]);
    if (spec.explain) box.appendChild(el('p', { class: 'explain', text: spec.explain }));
    var plot = el('div', { class: 'plot' });
    box.appendChild(plot);
    container.appendChild(box);
    var yFormat = spec.yFormat || fmtNumber;
    var series = [{ label: 'time', value: function (u, v) { return fmtTime(v); } }];
    var data = [spec.x];
    spec.series.forEach(function (s) {
      var shown = s.legendValues || s.values;
      series.push({
        label: s.label,
        stroke: s.color,
        width: s.width == null ? 1.5 : s.width,
        fill: s.fill || undefined,
        dash: s.dash || undefined,
        show: s.show !== false,
        spanGaps: s.spanGaps === true,
        points: { show: false },
        value: function (u, v, si, idx) { return idx == null ? '-' : yFormat(shown[idx]); },
      });
      data.push(s.values);
    });
    var options = {
      width: plotWidth(box),
      height: spec.height || 230,
      scales: { x: { time: false }, y: { range: spec.yRange || fromZero } },
      axes: [
        { incrs: TIME_INCRS, values: function (u, vals) { return vals.map(fmtTime); } },
        { size: 70, incrs: yFormat === fmtMiB ? MIB_INCRS : undefined, values: function (u, vals) { return vals.map(yFormat); } },
      ],
      series: series,
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      plugins: spec.plugins || [],
    };
    return new uPlot(options, data, plot);
  }

  /**
   * Stacked areas: layers bottom first, each drawn as the running total and
   * painted top first, so that each layer covers the ones above it below its
   * own total. The legend shows each layer's own value.
   */
  function stacked(container, spec) {
    var totals = [];
    var running = spec.x.map(function () { return 0; });
    spec.layers.forEach(function (layer) {
      running = running.map(function (sum, i) { return sum + (layer.values[i] || 0); });
      totals.push(running.slice());
    });
    var series = [];
    for (var i = spec.layers.length - 1; i >= 0; i--) {
      var layer = spec.layers[i];
      series.push({ label: layer.label, values: totals[i], legendValues: layer.values, color: layer.color, fill: layer.color, width: 0.5 });
    }
    (spec.lines || []).forEach(function (line) { series.push(line); });
    return panel(container, { title: spec.title, explain: spec.explain, x: spec.x, series: series, yFormat: spec.yFormat, height: spec.height });
  }

  /** A uPlot plugin that shades the plot's background by a state at each x. */
  function stateShading(x, states, colors) {
    return {
      hooks: {
        drawClear: [function (u) {
          var ctx = u.ctx;
          var top = u.bbox.top;
          var height = u.bbox.height;
          ctx.save();
          var start = 0;
          for (var i = 1; i <= x.length; i++) {
            if (i === x.length || states[i] !== states[start]) {
              var from = u.valToPos(start === 0 ? x[0] : x[start - 1], 'x', true);
              var to = u.valToPos(x[i - 1], 'x', true);
              ctx.fillStyle = colors[states[start]] || 'transparent';
              ctx.fillRect(from, top, Math.max(1, to - from), height);
              start = i;
            }
          }
          ctx.restore();
        }],
      },
    };
  }

  function table(header, rows, textColumns) {
    var head = el('thead', null, [el('tr', null, header.map(function (h) { return el('th', { text: h }); }))]);
    var body = el('tbody', null, rows.map(function (row) {
      return el('tr', null, row.map(function (cell, c) {
        return el('td', textColumns && textColumns.indexOf(c) >= 0 ? { class: 'text', text: cell } : { text: cell });
      }));
    }));
    return el('table', { class: 'data' }, [head, body]);
  }

  function readData() {
    var node = document.getElementById('balloonsim-data');
    return JSON.parse(node.textContent);
  }

  window.balloonsimCharts = {
    PALETTE: PALETTE,
    MIB_INCRS: MIB_INCRS,
    STACK_COLORS: STACK_COLORS,
    STATE_COLORS: STATE_COLORS,
    el: el,
    fmtTime: fmtTime,
    fmtMiB: fmtMiB,
    fmtNumber: fmtNumber,
    fmtPct: fmtPct,
    panel: panel,
    stacked: stacked,
    stateShading: stateShading,
    table: table,
    readData: readData,
  };
})();
