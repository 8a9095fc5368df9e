/* Draws a run's report.html from the embedded data (see src/output/report-html.ts). */
(function () {
  'use strict';
  var C = window.balloonsimCharts;
  var data = C.readData();
  var app = document.getElementById('app');
  document.getElementById('loading').remove();
  app.appendChild(C.el('p', { class: 'subtitle', text: data.subtitle }));
  data.notes.forEach(function (note) { app.appendChild(C.el('p', { class: 'note', text: note })); });

  function section(title, explain) {
    app.appendChild(C.el('h2', { text: title }));
    if (explain) app.appendChild(C.el('p', { class: 'explain', text: explain }));
    var grid = C.el('div', { class: 'grid' });
    app.appendChild(grid);
    return grid;
  }

  function color(i) { return C.PALETTE[i % C.PALETTE.length]; }

  var x = data.timesS;
  if (x.length > 0) {
    // ---- the host
    var host = section('Host memory', 'Who holds the host\'s memory over simulated time, and how much is free. ' +
      'The background shows the host\'s free-memory state (high, soft, hard, low at ' +
      data.stateNames.map(function (s) { return data.thresholdsPct[s] + ' %'; }).join(', ') + ' of host memory free).');
    var reserved = x.map(function () { return data.hostReservedMiB; });
    var layers = [{ label: 'hypervisor', values: reserved, color: '#8d99ae' }];
    data.guests.forEach(function (g, i) { layers.push({ label: g.name, values: g.series.resident, color: color(i) }); });
    if (data.guestsOmitted > 0) layers.push({ label: data.guestsOmitted + ' more guests', values: data.otherResidentMiB, color: '#bbbbbb' });
    layers.push({ label: 'free', values: data.hostFreeMiB, color: '#e4f3e4' });
    C.stacked(host, { title: 'Host memory by holder', x: x, layers: layers, kind: 'mib', yTitle: 'host memory' });

    var thresholdLines = data.stateNames.map(function (state, i) {
      var mib = data.hostMemoryMiB * data.thresholdsPct[state] / 100;
      return { label: state + ' (' + data.thresholdsPct[state] + ' %)', values: x.map(function () { return mib; }), color: ['#3d9a50', '#d9822b', '#c8641e', '#c23b3b'][i], dash: [5, 4], width: 1 };
    });
    // Host paging (hard and low states): drawn only when the host paged something out.
    var hostPaged = (data.hostSwapMiB || []).some(function (v) { return v > 0; });
    C.panel(host, {
      title: 'Host free memory and free-memory state' + (hostPaged ? ', host swap in use' : ''),
      x: x,
      series: [{ label: 'free', values: data.hostFreeMiB, color: '#1d2430', width: 2 }]
        .concat(hostPaged ? [{ label: 'paged out to host swap', values: data.hostSwapMiB, color: '#7b3fa0', width: 1.5 }] : [])
        .concat(thresholdLines),
      kind: 'mib',
      yTitle: 'free memory',
      plugins: [C.stateShading(x, data.freeStates, C.STATE_COLORS)],
    });

    // ---- each guest's memory
    var stacks = section('Memory of each guest', 'Guest pages by state, stacked: kernel, anonymous, page cache, free and balloon, with the host\'s target (dashed) and the guest\'s actual size (memory minus balloon).');
    function why(g) { return g.reasons && g.reasons.length > 0 && g.reasons[0] !== 'nothing notable' ? ' — ' + g.reasons.join(', ') : ''; }
    data.guests.forEach(function (g) {
      C.stacked(stacks, {
        title: g.name + (g.aliveAtEnd ? '' : ' (crashed)') + ': boot ' + C.fmtMiB(g.bootMiB) + ', max ' + C.fmtMiB(g.maxMiB) + why(g),
        x: x,
        layers: [
          { label: 'kernel', values: g.series.kernel, color: C.STACK_COLORS.kernel },
          { label: 'anon', values: g.series.anon, color: C.STACK_COLORS.anon },
          { label: 'cache', values: g.series.cache, color: C.STACK_COLORS.cache },
          { label: 'free', values: g.series.free, color: C.STACK_COLORS.free },
          { label: 'balloon', values: g.series.balloon, color: C.STACK_COLORS.balloon },
        ],
        lines: [
          { label: 'target', values: g.series.target, color: '#1d2430', dash: [6, 4], width: 2 },
          { label: 'actual', values: g.series.actual, color: '#c23b3b', width: 1.5 },
        ],
        kind: 'mib',
        yTitle: 'guest memory',
        height: 210,
      });
    });

    // ---- balloons against targets
    var balloons = section('Balloon against target', 'The host\'s target for each guest, the guest\'s actual size, its balloon, and the host memory it holds (resident).');
    data.guests.forEach(function (g) {
      C.panel(balloons, {
        title: g.name + why(g),
        x: x,
        series: [
          { label: 'target', values: g.series.target, color: '#1d2430', dash: [6, 4], width: 2 },
          { label: 'actual', values: g.series.actual, color: '#2f6fb3', width: 2 },
          { label: 'balloon', values: g.series.balloon, color: '#d9822b', fill: 'rgba(242,178,107,0.35)', width: 1.5 },
          { label: 'resident', values: g.series.resident, color: '#3d9a50', width: 1.5 },
        ],
        kind: 'mib',
        yTitle: 'memory',
        height: 190,
      });
    });

    // ---- pressure
    var pressure = section('Pressure, faults and swap', 'What memory pressure costs the guests: pressure-stall (PSI "some", 10 s average), major faults per second and swap in use.' +
      (data.costsAllZero ? ' In this run every guest\'s swap, faults, stall and pressure stayed at 0.' : ''));
    function perGuest(title, key, kind, yTitle) {
      C.panel(pressure, {
        title: title,
        x: x,
        series: data.guests.map(function (g, i) { return { label: g.name, values: g.series[key], color: color(i) }; }),
        kind: kind,
        yTitle: yTitle,
        height: 220,
      });
    }
    perGuest('Pressure stall, some (avg10)', 'psiSomePct', 'pct', 'stalled');
    perGuest('Major faults per second', 'majorFaultsPerS', 'rate', 'faults');
    perGuest('Swap in use', 'swap', 'mib', 'swap in use');
    perGuest('Swap-ins per second', 'swapInPerS', 'rate', 'pages');
  }

  // ---- summary and events
  app.appendChild(C.el('h2', { text: 'Summary at the end of the run' }));
  app.appendChild(C.table(data.table.header, data.table.rows));
  var audit = data.audit;
  app.appendChild(C.el('p', {
    class: audit.violations === 0 ? 'audit-ok' : 'audit-bad',
    text: 'audit: ' + audit.checks + ' checks (' + audit.fullChecks + ' full), ' + audit.violations + ' violation' + (audit.violations === 1 ? '' : 's'),
  }));
  audit.firstViolations.forEach(function (line) { app.appendChild(C.el('p', { class: 'audit-bad', text: line })); });

  app.appendChild(C.el('h2', { text: 'Host events' }));
  var counts = Object.keys(data.events.counts).sort().map(function (kind) { return kind + ': ' + data.events.counts[kind]; }).join(', ');
  app.appendChild(C.el('p', { class: 'explain', text: (counts || 'no events') + (data.events.omitted > 0 ? '; the first ' + data.events.shown.length + ' are listed, all are in events.jsonl' : '') }));
  var rows = data.events.shown.map(function (e) { return [C.fmtTime(e.t), e.kind, e.guest, e.detail]; });
  var box = C.el('div', { class: 'events' }, [C.table(['time', 'kind', 'guest', 'detail'], rows, [1, 2, 3])]);
  app.appendChild(box);
  document.body.setAttribute('data-drawn', 'true');
})();
