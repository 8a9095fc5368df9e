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

  /** Simulated seconds as 90s, 5m, 1h30m (tables and event lists). */
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

  /** A number with thousands separators and at most `digits` decimals (trailing zeros dropped). */
  function fmtPlain(value, digits) {
    if (value == null || !isFinite(value)) return '-';
    var d = digits == null ? 2 : digits;
    return Number(value.toFixed(d)).toLocaleString('en-US', { maximumFractionDigits: d });
  }

  /** A size given in MiB, with a binary unit. */
  function fmtMiB(mib) {
    if (mib == null || !isFinite(mib)) return '-';
    var abs = Math.abs(mib);
    if (abs >= 1024 * 1024) return fmtPlain(mib / 1024 / 1024, 2) + ' TiB';
    if (abs >= 1024) return fmtPlain(mib / 1024, abs >= 10240 ? 1 : 2) + ' GiB';
    if (abs >= 1) return fmtPlain(mib, abs >= 100 ? 0 : 1) + ' MiB';
    if (abs === 0) return '0';
    return fmtPlain(mib * 1024, 0) + ' KiB';
  }

  function fmtNumber(value) {
    if (value == null || !isFinite(value)) return '-';
    return fmtPlain(value, Math.abs(value) >= 1000 ? 0 : 3);
  }

  function fmtPct(value) {
    return value == null || !isFinite(value) ? '-' : fmtPlain(value, 2) + ' %';
  }

  /**
   * The time unit of a chart, chosen once from its span so that every tick
   * of the axis has the same format: seconds up to 3 minutes, minutes up to
   * 3 hours, then hours. Ticks fall on whole steps of that unit.
   */
  var TIME_UNITS = [
    { name: 's', title: 'seconds', seconds: 1, upTo: 180, incrs: [0.001, 0.01, 0.1, 0.5, 1, 2, 5, 10, 15, 30, 60] },
    { name: 'min', title: 'minutes', seconds: 60, upTo: 3 * 3600, incrs: [15, 30, 60, 120, 300, 600, 900, 1800, 3600] },
    { name: 'h', title: 'hours', seconds: 3600, upTo: Infinity, incrs: [900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 2592000] },
  ];

  function timeUnit(x) {
    var span = x.length === 0 ? 0 : x[x.length - 1];
    for (var i = 0; i < TIME_UNITS.length; i++) if (span <= TIME_UNITS[i].upTo) return TIME_UNITS[i];
    return TIME_UNITS[TIME_UNITS.length - 1];
  }

  /** `12.5 min`: a time in the chart's unit (legends). */
  function fmtTimeIn(unit, seconds) {
    return seconds == null || !isFinite(seconds) ? '-' : fmtPlain(seconds / unit.seconds, 3) + ' ' + unit.name;
  }

  /**
   * How a value axis shows its kind of value: one unit for the whole axis
   * (chosen from the largest value), in the axis title, and plain numbers
   * with thousands separators on the ticks.
   * kinds: 'mib' (sizes given in MiB), 'pct', 'count', 'rate' (per second), 'seconds'.
   */
  function valueAxis(kind, maxValue, title) {
    if (kind === 'mib') {
      var units = [['TiB', 1024 * 1024], ['GiB', 1024], ['MiB', 1]];
      var unit = units[units.length - 1];
      for (var i = 0; i < units.length; i++) if (maxValue >= units[i][1]) { unit = units[i]; break; }
      return {
        title: title + ' (' + unit[0] + ')',
        incrs: MIB_INCRS,
        tick: function (v) { return fmtPlain(v / unit[1], 3); },
      };
    }
    var suffix = { pct: ' (%)', count: '', rate: ' (per second)', seconds: ' (seconds)' }[kind] || '';
    return { title: title + suffix, incrs: undefined, tick: function (v) { return fmtPlain(v, Math.abs(v) >= 100 ? 0 : 3); } };
  }

  /** Axis steps: binary sizes for MiB axes. */
  var MIB_INCRS = [];
  for (var e = -4; e <= 30; e++) { MIB_INCRS.push(Math.pow(2, e)); MIB_INCRS.push(3 * Math.pow(2, e - 1)); }
  MIB_INCRS.sort(function (a, b) { return a - b; });

  /**
   * uPlot axis size that fits the widest tick label (measured in the axis's
   * own font), so that large counts are never clipped.
   */
  function fitTicks(self, values, axisIdx) {
    var axis = self.axes[axisIdx];
    if (!values) return axis._size || 40;
    var size = (axis.ticks && axis.ticks.show !== false ? axis.ticks.size : 0) + (axis.gap || 0);
    var widest = 0;
    self.ctx.save();
    self.ctx.font = axis.font[0];
    values.forEach(function (v) { if (v != null) widest = Math.max(widest, self.ctx.measureText(String(v)).width); });
    self.ctx.restore();
    return Math.ceil(size + widest / (window.devicePixelRatio || 1) + 6);
  }

  function maxOf(arrays) {
    var max = 0;
    arrays.forEach(function (values) { values.forEach(function (v) { if (v != null && isFinite(v) && v > max) max = v; }); });
    return max;
  }

  function plotWidth(panel) {
    var width = panel.clientWidth - 16;
    return Math.max(320, Math.min(width, 1400));
  }

  function fromZero(u, min, max) {
    return [0, max > 0 ? max * 1.05 : 1];
  }

  /** Every chart drawn, for checks (tests read this). */
  var plots = [];

  /**
   * A panel with a title and one uPlot chart over simulated time.
   * spec: {title, x, series: [{label, values, color, dash, fill, width, show, legend}], kind ('mib', 'pct', 'count', 'rate'),
   *        yTitle, height, plugins, explain}
   */
  function panel(container, spec) {
    var box = el('div', { class: 'panel' }, [el('h3', { text: spec.title })]);
    if (spec.explain) box.appendChild(el('p', { class: 'explain', text: spec.explain }));
    var plot = el('div', { class: 'plot' });
    box.appendChild(plot);
    container.appendChild(box);
    var kind = spec.kind || 'count';
    var legendFormat = { mib: fmtMiB, pct: fmtPct }[kind] || fmtNumber;
    var unit = timeUnit(spec.x);
    var y = valueAxis(kind, maxOf(spec.series.map(function (s) { return s.values; })), spec.yTitle || spec.title);
    var series = [{ label: 'time', value: function (u, v) { return fmtTimeIn(unit, v); } }];
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
        value: function (u, v, si, idx) { return idx == null ? '-' : legendFormat(shown[idx]); },
      });
      data.push(s.values);
    });
    var options = {
      width: plotWidth(box),
      height: spec.height || 230,
      scales: { x: { time: false }, y: { range: spec.yRange || fromZero } },
      axes: [
        { label: 'simulated time (' + unit.title + ')', incrs: unit.incrs, space: 60, values: function (u, vals) { return vals.map(function (v) { return fmtPlain(v / unit.seconds, 3); }); } },
        { label: y.title, size: fitTicks, incrs: y.incrs, values: function (u, vals) { return vals.map(y.tick); } },
      ],
      series: series,
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      plugins: spec.plugins || [],
    };
    var chart = new uPlot(options, data, plot);
    plots.push(chart);
    return chart;
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
    return panel(container, { title: spec.title, explain: spec.explain, x: spec.x, series: series, kind: spec.kind, yTitle: spec.yTitle, height: spec.height });
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

  /** A table in a box that scrolls sideways when the table is wider than the page. */
  function table(header, rows, textColumns) {
    return el('div', { class: 'wide' }, [bareTable(header, rows, textColumns)]);
  }

  function bareTable(header, rows, textColumns) {
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
    fmtPlain: fmtPlain,
    fmtMiB: fmtMiB,
    valueAxis: valueAxis,
    fitTicks: fitTicks,
    maxOf: maxOf,
    plots: plots,
    fmtNumber: fmtNumber,
    fmtPct: fmtPct,
    panel: panel,
    stacked: stacked,
    stateShading: stateShading,
    table: table,
    readData: readData,
  };
})();
