/*
 * The personal tab's award, history, conflicts of interest and admin console (plain JavaScript).
 *
 * tab.js signs in (Teams SSO, or the local identity picker) and, once the overview has loaded,
 * fires "wexqs:overview" with the request headers and GET /api/me's answer. From there:
 * - applicants whose decision is communicated see their award and its downloads, and everyone on
 *   an application's team sees its history;
 * - reviewers declare conflicts of interest;
 * - admins get the console: the pipeline as a chart and a table, what needs action, provisioning,
 *   reminders, awards (revoke), calibration, exports and "communicate all decided".
 * The server authorises every call (admins only for /api/admin/*). Text is set with textContent.
 * Theme: "?theme=dark" (Teams' {theme} placeholder), or the Teams context and its change events.
 */
(function () {
  'use strict';

  var SVG = 'http://www.w3.org/2000/svg';
  var headers = null;
  var state = { cycleId: null, preview: null };
  var $ = function (id) {
    return document.getElementById(id);
  };

  function el(tag, props) {
    var node = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (k) {
        if (k === 'className') node.className = props[k];
        else if (k === 'text') node.textContent = props[k];
        else if (k === 'onclick') node.addEventListener('click', props[k]);
        else node.setAttribute(k, props[k]);
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return node;
  }

  function svg(tag, attrs, text) {
    var n = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) {
      n.setAttribute(k, attrs[k]);
    });
    if (text !== undefined) n.textContent = text;
    return n;
  }

  function clear(n) {
    while (n.firstChild) n.removeChild(n.firstChild);
    return n;
  }

  // ---------------------------------------------------------------------------------------------
  // Theme

  function setTheme(theme) {
    document.body.classList.toggle('theme-dark', theme === 'dark' || theme === 'contrast');
    document.body.classList.toggle('theme-contrast', theme === 'contrast');
  }

  function initTheme() {
    var fromUrl = new URLSearchParams(window.location.search).get('theme');
    if (fromUrl) setTheme(fromUrl);
    var teams = window.microsoftTeams;
    if (!teams || !teams.app) return;
    try {
      teams.app
        .getContext()
        .then(function (ctx) {
          if (ctx && ctx.app && ctx.app.theme) setTheme(ctx.app.theme);
          teams.app.registerOnThemeChangeHandler(setTheme);
        })
        .catch(function () {});
    } catch (e) {
      /* not inside Teams */
    }
  }

  // ---------------------------------------------------------------------------------------------
  // API

  async function api(method, path, body) {
    var h = Object.assign({}, headers);
    if (body !== undefined) h['Content-Type'] = 'application/json';
    var res = await fetch(path, {
      method: method,
      headers: h,
      credentials: 'same-origin',
      cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    var data = null;
    try {
      data = await res.json();
    } catch (e) {
      data = null;
    }
    if (!res.ok) throw new Error((data && data.message) || 'Something went wrong (' + res.status + ').');
    return data;
  }

  function say(box, text, cls) {
    box.textContent = text;
    box.className = 'console-message ' + (cls || '');
    box.hidden = !text;
  }

  function table(caption, columns, rows, opts) {
    var t = el('table', { className: 'data' });
    t.appendChild(el('caption', { text: caption, className: opts && opts.hideCaption ? 'visually-hidden' : '' }));
    var head = el('tr');
    columns.forEach(function (c) {
      head.appendChild(el('th', { scope: 'col', text: c }));
    });
    t.appendChild(el('thead', null, head));
    var body = el('tbody');
    rows.forEach(function (r) {
      var tr = el('tr');
      r.forEach(function (cell, i) {
        var td = el(i === 0 ? 'th' : 'td', i === 0 ? { scope: 'row' } : null);
        if (typeof cell === 'string' || typeof cell === 'number') td.textContent = String(cell);
        else if (cell) td.appendChild(cell);
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    t.appendChild(body);
    return el('div', { className: 'table-wrap' }, t);
  }

  function historyTable(entries, caption) {
    if (entries.length === 0) return el('p', { text: 'Nothing has happened yet.' });
    return table(
      caption,
      ['When (UK time)', 'Who', 'What', 'From', 'To'],
      entries.map(function (e) {
        return [e.uk, e.who, e.what, e.from || '', e.to || ''];
      }),
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Applicants: the award and the application's history

  function link(text, href, download) {
    var a = el('a', { href: href, text: text, className: 'download' });
    if (download) a.setAttribute('download', '');
    else {
      a.setAttribute('target', '_blank');
      a.setAttribute('rel', 'noopener noreferrer');
    }
    return a;
  }

  async function showApplicant(data) {
    var app = data.organisation && data.organisation.application;
    if (!app) return;
    try {
      var history = await api('GET', '/api/applications/' + encodeURIComponent(app.id) + '/history');
      clear($('history-body')).appendChild(historyTable(history, 'Steps of your application, oldest first'));
      $('history-panel').hidden = false;
    } catch (e) {
      /* not allowed (e.g. an admin looking at their own overview): leave hidden */
    }
    if (app.state !== 'communicated') return;
    try {
      var s = await api('GET', '/api/applications/' + encodeURIComponent(app.id) + '/award');
      var box = clear($('award-body'));
      if (s.award) {
        var dl = el('dl', { className: 'summary' });
        [
          ['Level', s.award.level.charAt(0).toUpperCase() + s.award.level.slice(1)],
          ['Valid from', s.award.validFrom],
          ['Valid until', s.award.validUntil],
          ['Verification code', s.award.verificationCode.match(/.{1,4}/g).join('-')],
          ['Status', s.status === 'valid' ? 'Valid today' : s.status.replace(/_/g, ' ')],
        ].forEach(function (r) {
          dl.appendChild(el('dt', { text: r[0] }));
          dl.appendChild(el('dd', { text: r[1] }));
        });
        box.appendChild(dl);
      } else box.appendChild(el('p', { text: 'No award this time: the feedback report explains why.' }));
      var d = s.downloads;
      if (d) {
        var links = el('p', { className: 'links' });
        if (d.certificate) links.appendChild(link('Certificate (PDF)', d.certificate, true));
        if (d.badgePng) links.appendChild(link('Badge (PNG)', d.badgePng, true));
        if (d.badgeSvg) links.appendChild(link('Badge for websites (SVG)', d.badgeSvg, true));
        if (d.feedbackReport) links.appendChild(link('Feedback report (PDF)', d.feedbackReport, true));
        if (d.verify) links.appendChild(link('Public verification page', d.verify, false));
        box.appendChild(links);
      }
      $('award-panel').hidden = false;
    } catch (e) {
      /* leave hidden */
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Reviewers: conflicts of interest

  function renderConflicts(c) {
    var box = clear($('conflicts-body'));
    box.appendChild(
      el('p', {
        text: 'Declare any organisation you have a conflict of interest with (a current or former employer, a close relative working there…). You will never be assigned its application.',
      }),
    );
    if (c.declared.length > 0) {
      box.appendChild(
        table(
          'Conflicts you have declared',
          ['Organisation', 'Reason', 'Declared (UK time)', ''],
          c.declared.map(function (d) {
            return [
              d.organisation,
              d.reason,
              d.declared,
              el('button', {
                type: 'button',
                className: 'button secondary',
                text: 'Withdraw',
                'aria-label': 'Withdraw the conflict with ' + d.organisation,
                onclick: function () {
                  api('DELETE', '/api/conflicts/' + encodeURIComponent(d.organisationId))
                    .then(renderConflicts)
                    .catch(function (e) {
                      say(msg, e.message, 'bad');
                    });
                },
              }),
            ];
          }),
        ),
      );
    } else box.appendChild(el('p', { className: 'hint', text: 'You have not declared any conflicts.' }));
    var select = el('select', { id: 'conflict-org', name: 'organisationId', required: 'required' });
    select.appendChild(el('option', { value: '', text: 'Choose an organisation' }));
    c.choices.forEach(function (o) {
      select.appendChild(el('option', { value: o.id, text: o.name }));
    });
    var reason = el('textarea', {
      id: 'conflict-reason',
      name: 'reason',
      rows: '2',
      maxlength: '500',
      required: 'required',
    });
    var msg = el('p', { className: 'console-message', role: 'status' });
    msg.hidden = true;
    var form = el(
      'form',
      { className: 'stack' },
      el('label', { for: 'conflict-org', text: 'Organisation' }),
      select,
      el('label', { for: 'conflict-reason', text: 'Reason' }),
      reason,
      el('button', { type: 'submit', className: 'button', text: 'Declare conflict' }),
      msg,
    );
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      api('POST', '/api/conflicts', { organisationId: select.value, reason: reason.value })
        .then(function (next) {
          renderConflicts(next);
          say($('conflicts-body').querySelector('.console-message'), 'Conflict declared.', 'good');
        })
        .catch(function (e) {
          say(msg, e.message, 'bad');
        });
    });
    box.appendChild(el('h3', { text: 'Declare a conflict' }));
    box.appendChild(form);
  }

  async function showReviewer() {
    try {
      renderConflicts(await api('GET', '/api/conflicts'));
      $('conflicts-panel').hidden = false;
    } catch (e) {
      /* leave hidden */
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Admins: the console

  /** Horizontal bar chart of the pipeline: one bar per state, its number beside it. */
  function pipelineChart(pipeline, total) {
    var rowH = 30;
    var labelW = 190;
    var barW = 330;
    var width = labelW + barW + 60;
    var height = pipeline.length * rowH + 10;
    var max = Math.max.apply(
      null,
      pipeline
        .map(function (p) {
          return p.count;
        })
        .concat([1]),
    );
    var summary = pipeline
      .map(function (p) {
        return p.label + ': ' + p.count;
      })
      .join('; ');
    var chart = svg('svg', {
      viewBox: '0 0 ' + width + ' ' + height,
      width: '100%',
      role: 'img',
      'aria-label': 'Applications per stage (' + total + ' in all). ' + summary + '.',
      class: 'pipeline-chart',
      id: 'pipeline-chart',
    });
    pipeline.forEach(function (p, i) {
      var y = i * rowH + 5;
      var g = svg('g', { 'data-state': p.state, 'data-count': String(p.count), class: 'bar' });
      g.appendChild(svg('text', { x: labelW - 8, y: y + 19, 'text-anchor': 'end', class: 'bar-label' }, p.label));
      var w = p.count === 0 ? 2 : Math.max(4, Math.round((p.count / max) * barW));
      g.appendChild(
        svg('rect', { x: labelW, y: y + 4, width: w, height: rowH - 10, rx: 2, class: 'bar-fill state-' + p.state }),
      );
      g.appendChild(svg('text', { x: labelW + w + 8, y: y + 19, class: 'bar-value' }, String(p.count)));
      chart.appendChild(g);
    });
    return chart;
  }

  function rowsOf(list, actionLabel) {
    return list.map(function (r) {
      return [
        r.organisation,
        r.stateLabel,
        r.reason,
        String(r.reviewers),
        el('button', {
          type: 'button',
          className: 'button secondary',
          text: actionLabel,
          'aria-label': actionLabel + ': ' + r.organisation,
          onclick: function () {
            showHistory(r.applicationId, r.organisation);
          },
        }),
      ];
    });
  }

  async function showHistory(applicationId, organisation) {
    var box = clear($('console-history'));
    box.hidden = false;
    var heading = el('h3', { text: 'History: ' + organisation, tabindex: '-1' });
    box.appendChild(heading);
    try {
      var entries = await api('GET', '/api/applications/' + encodeURIComponent(applicationId) + '/history');
      box.appendChild(historyTable(entries, 'Everything recorded for this application, oldest first'));
    } catch (e) {
      box.appendChild(el('p', { className: 'bad', text: e.message }));
    }
    heading.focus();
  }

  function section(id, title) {
    var s = el('section', { className: 'card', 'aria-labelledby': id + '-heading', id: id });
    s.appendChild(el('h2', { id: id + '-heading', text: title }));
    return s;
  }

  function listSection(root, id, title, list, empty) {
    var s = section(id, title + ' (' + list.length + ')');
    if (list.length === 0) s.appendChild(el('p', { className: 'hint', text: empty }));
    else s.appendChild(table(title, ['Organisation', 'Stage', 'Why', 'Reviewers', ''], rowsOf(list, 'History')));
    root.appendChild(s);
  }

  function pct(x) {
    return Math.round(x * 100) + '%';
  }

  async function download(what, format, msg) {
    say(msg, 'Preparing the ' + what + ' export…', '');
    try {
      var res = await fetch(
        '/api/admin/export?cycleId=' +
          encodeURIComponent(state.cycleId) +
          '&what=' +
          encodeURIComponent(what) +
          '&format=' +
          encodeURIComponent(format),
        { headers: headers, cache: 'no-store' },
      );
      if (!res.ok) {
        var body = await res.json().catch(function () {
          return null;
        });
        throw new Error((body && body.message) || 'The export failed (' + res.status + ').');
      }
      var blob = await res.blob();
      var name = (res.headers.get('Content-Disposition') || '').replace(/^.*filename="([^"]+)".*$/, '$1');
      var a = el('a', { href: URL.createObjectURL(blob), download: name || 'export.' + format });
      document.body.appendChild(a);
      a.click();
      setTimeout(function () {
        URL.revokeObjectURL(a.href);
        a.remove();
      }, 1000);
      say(msg, 'Downloaded ' + (name || 'the export') + '.', 'good');
    } catch (e) {
      say(msg, e.message, 'bad');
    }
  }

  function renderCommunicate(s, box, preview) {
    clear(box);
    var msg = el('p', { className: 'console-message', role: 'status' });
    msg.hidden = true;
    if (!preview) {
      box.appendChild(
        el('p', {
          text:
            s.readyToCommunicate.length +
            ' decision(s) ready. Decisions can be communicated ' +
            s.cycle.decisionWindow +
            ' (UK time).',
        }),
      );
      box.appendChild(
        el('button', {
          type: 'button',
          className: 'button',
          id: 'communicate-preview',
          text: 'Preview who gets what',
          onclick: function () {
            api('GET', '/api/admin/communicate-all?cycleId=' + encodeURIComponent(state.cycleId))
              .then(function (p) {
                renderCommunicate(s, box, p);
              })
              .catch(function (e) {
                say(msg, e.message, 'bad');
              });
          },
        }),
      );
      box.appendChild(msg);
      return;
    }
    if (preview.items.length === 0)
      box.appendChild(el('p', { text: 'No decided application is waiting to be communicated.' }));
    else
      box.appendChild(
        table(
          'Who gets what',
          ['Organisation', 'Decision', 'Applicant team (messages)', 'Reviewers told the outcome'],
          preview.items.map(function (i) {
            return [i.organisation, i.outcome, String(i.applicantRecipients), String(i.reviewerRecipients)];
          }),
        ),
      );
    var send = el('button', {
      type: 'button',
      className: 'button',
      id: 'communicate-send',
      text: 'Send ' + preview.messages + ' message(s) for ' + preview.items.length + ' decision(s)',
    });
    if (!preview.inDecisionWindow || preview.items.length === 0) {
      send.setAttribute('disabled', 'disabled');
      if (!preview.inDecisionWindow)
        box.appendChild(
          el('p', { className: 'warning', text: 'Outside the decision window (' + preview.decisionWindow + ').' }),
        );
    }
    send.addEventListener('click', function () {
      send.setAttribute('disabled', 'disabled');
      api('POST', '/api/admin/communicate-all', {
        cycleId: preview.cycleId,
        items: preview.items.map(function (i) {
          return { applicationId: i.applicationId, version: i.version };
        }),
      })
        .then(function (r) {
          say(
            msg,
            r.communicated.length +
              ' decision(s) communicated; messages are going out now.' +
              (r.skipped.length
                ? ' Skipped ' +
                  r.skipped.length +
                  ': ' +
                  r.skipped
                    .map(function (x) {
                      return x.reason;
                    })
                    .join('; ')
                : ''),
            'good',
          );
          loadConsole();
        })
        .catch(function (e) {
          say(msg, e.message, 'bad');
        });
    });
    box.appendChild(send);
    box.appendChild(msg);
  }

  function renderConsole(s, calibration, conflicts) {
    var root = clear($('admin-console'));
    root.hidden = false;
    root.appendChild(el('h1', { id: 'console-title', text: 'Admin console', tabindex: '-1' }));

    var pick = el('select', { id: 'console-cycle' });
    s.cycles.forEach(function (c) {
      var o = el('option', { value: c.id, text: c.name });
      if (c.id === s.cycle.id) o.selected = true;
      pick.appendChild(o);
    });
    pick.addEventListener('change', function () {
      state.cycleId = pick.value;
      loadConsole();
    });
    root.appendChild(
      el(
        'div',
        { className: 'console-bar' },
        el('label', { for: 'console-cycle', text: 'Cycle' }),
        pick,
        el('button', { type: 'button', className: 'button secondary', text: 'Refresh', onclick: loadConsole }),
        el('span', { className: 'hint', text: 'Updated ' + s.generatedAt + ' UK time' }),
      ),
    );

    var p = section('pipeline', 'Pipeline: ' + s.total + ' application(s)');
    p.appendChild(pipelineChart(s.pipeline, s.total));
    p.appendChild(
      table(
        'Applications per stage',
        ['Stage', 'Applications'],
        s.pipeline.map(function (x) {
          return [x.label, String(x.count)];
        }),
      ),
    );
    p.appendChild(
      el('p', {
        id: 'open-findings',
        text:
          'With open evidence findings: ' +
          s.withOpenFindings +
          ' (a blank template, personal data, an old document or a warning not dismissed, found by reading the files).',
      }),
    );
    root.appendChild(p);

    listSection(root, 'overdue', 'Overdue', s.overdue, 'Nothing is overdue.');
    listSection(root, 'unassigned', 'Without a reviewer', s.unassigned, 'Every submitted application has a reviewer.');
    listSection(root, 'moderation', 'Awaiting moderation', s.awaitingModeration, 'No recommendation is waiting.');
    listSection(root, 'ready', 'Decisions ready to communicate', s.readyToCommunicate, 'No decision is waiting.');
    var hist = el('div', { id: 'console-history', className: 'card', 'aria-live': 'polite' });
    hist.hidden = true;
    root.appendChild(hist);

    var comm = section('communicate', 'Communicate all decided');
    var commBox = el('div');
    comm.appendChild(commBox);
    renderCommunicate(s, commBox, null);
    root.appendChild(comm);

    var prov = section('provisioning', 'Evidence folders');
    var progress = el('progress', {
      id: 'provisioning-progress',
      max: String(Math.max(1, s.provisioning.organisations)),
      value: String(s.provisioning.foldersReady),
    });
    prov.appendChild(
      el('label', {
        for: 'provisioning-progress',
        text:
          s.provisioning.foldersReady +
          ' of ' +
          s.provisioning.organisations +
          ' folders ready (' +
          s.provisioning.foldersPrivate +
          ' private)',
      }),
    );
    prov.appendChild(progress);
    root.appendChild(prov);

    var rem = section('reminders', 'Reminders');
    rem.appendChild(
      table(
        'Reminders by status',
        ['Status', 'Messages'],
        Object.keys(s.reminders.counts).map(function (k) {
          return [k.replace(/_/g, ' '), String(s.reminders.counts[k])];
        }),
      ),
    );
    if (s.reminders.problems.length > 0)
      rem.appendChild(
        table(
          'Latest problems',
          ['Kind', 'Status', 'Reason'],
          s.reminders.problems.map(function (x) {
            return [x.kind.replace(/_/g, ' '), x.status.replace(/_/g, ' '), x.reason];
          }),
        ),
      );
    root.appendChild(rem);

    var aw = section('awards', 'Awards (' + s.awards.length + ')');
    if (s.awards.length === 0)
      aw.appendChild(el('p', { className: 'hint', text: 'No award issued in this cycle yet.' }));
    else
      aw.appendChild(
        table(
          'Awards issued in this cycle',
          ['Organisation', 'Level', 'Valid until', 'Status', ''],
          s.awards.map(function (a) {
            var cell = el('div');
            if (a.status === 'revoked')
              cell.appendChild(el('span', { className: 'hint', text: 'Revoked: ' + (a.revokeReason || '') }));
            else {
              var reasonId = 'revoke-' + a.id;
              var reason = el('input', { id: reasonId, type: 'text', maxlength: '500', className: 'inline-input' });
              var m = el('span', { className: 'console-message', role: 'status' });
              m.hidden = true;
              cell.appendChild(
                el('label', {
                  for: reasonId,
                  className: 'visually-hidden',
                  text: 'Reason for revoking the award of ' + a.organisation,
                }),
              );
              cell.appendChild(reason);
              cell.appendChild(
                el('button', {
                  type: 'button',
                  className: 'button danger',
                  text: 'Revoke',
                  'aria-label': 'Revoke the award of ' + a.organisation,
                  onclick: function () {
                    api('POST', '/api/admin/awards/' + encodeURIComponent(a.id) + '/revoke', { reason: reason.value })
                      .then(loadConsole)
                      .catch(function (e) {
                        say(m, e.message, 'bad');
                      });
                  },
                }),
              );
              cell.appendChild(m);
            }
            return [a.organisation, a.level, a.validUntil, a.status.replace(/_/g, ' '), cell];
          }),
        ),
      );
    root.appendChild(aw);

    var cal = section('calibration', 'Reviewer calibration');
    cal.appendChild(
      el('p', {
        className: 'hint',
        text:
          'Share of criteria each reviewer marked met, against the whole panel (' +
          pct(calibration.panel.shareMet) +
          ' of ' +
          calibration.panel.criteria +
          ' assessments), and how often they agreed with the other reviewer of the same application.',
      }),
    );
    if (calibration.reviewers.length === 0) cal.appendChild(el('p', { text: 'No assessments yet.' }));
    else
      cal.appendChild(
        table(
          'Calibration per reviewer',
          ['Reviewer', 'Applications', 'Criteria assessed', 'Met', 'Against the panel', 'Agreement', 'Reading'],
          calibration.reviewers.map(function (r) {
            var diff = Math.round(r.differencePoints);
            return [
              calibration.names[r.reviewerId] || r.reviewerId,
              String(r.applications),
              String(r.criteria),
              pct(r.shareMet),
              (diff > 0 ? '+' : '') + diff + ' points',
              r.agreement === null ? 'no shared application' : pct(r.agreement),
              {
                harsh: 'Harsher than the panel',
                lenient: 'More lenient than the panel',
                in_line: 'In line',
                too_few: 'Too few to tell',
              }[r.tendency],
            ];
          }),
        ),
      );
    root.appendChild(cal);

    var conf = section('declared-conflicts', 'Declared conflicts of interest (' + conflicts.length + ')');
    if (conflicts.length > 0)
      conf.appendChild(
        table(
          'Conflicts of interest reviewers declared',
          ['Reviewer', 'Organisation', 'Reason', 'Declared (UK time)'],
          conflicts.map(function (c) {
            return [c.reviewer, c.organisation, c.reason, c.declared];
          }),
        ),
      );
    root.appendChild(conf);

    var ex = section('exports', 'Exports');
    var what = el('select', { id: 'export-what' });
    [
      ['pipeline', 'Pipeline'],
      ['assessments', 'Assessments'],
      ['audit', 'Audit log'],
    ].forEach(function (o) {
      what.appendChild(el('option', { value: o[0], text: o[1] }));
    });
    var format = el('select', { id: 'export-format' });
    [
      ['xlsx', 'Excel (XLSX)'],
      ['csv', 'CSV'],
    ].forEach(function (o) {
      format.appendChild(el('option', { value: o[0], text: o[1] }));
    });
    var exMsg = el('p', { className: 'console-message', role: 'status' });
    exMsg.hidden = true;
    ex.appendChild(
      el(
        'div',
        { className: 'console-bar' },
        el('label', { for: 'export-what', text: 'What' }),
        what,
        el('label', { for: 'export-format', text: 'Format' }),
        format,
        el('button', {
          type: 'button',
          className: 'button',
          text: 'Download',
          onclick: function () {
            download(what.value, format.value, exMsg);
          },
        }),
      ),
    );
    ex.appendChild(exMsg);
    root.appendChild(ex);
    document.body.setAttribute('data-console-ready', 'true');
  }

  async function loadConsole() {
    var q = state.cycleId ? '?cycleId=' + encodeURIComponent(state.cycleId) : '';
    try {
      var s = await api('GET', '/api/admin/console' + q);
      state.cycleId = s.cycle.id;
      var calibration = await api('GET', '/api/admin/calibration?cycleId=' + encodeURIComponent(s.cycle.id));
      var conflicts = await api('GET', '/api/admin/conflicts');
      renderConsole(s, calibration, conflicts);
    } catch (e) {
      var root = clear($('admin-console'));
      root.hidden = false;
      root.appendChild(el('div', { className: 'alert', role: 'alert', text: e.message }));
    }
  }

  document.addEventListener('wexqs:overview', function (ev) {
    headers = ev.detail.headers;
    var roles = ev.detail.data.person.roles;
    ['award-panel', 'history-panel', 'conflicts-panel', 'admin-console'].forEach(function (id) {
      $(id).hidden = true;
    });
    showApplicant(ev.detail.data);
    if (roles.indexOf('reviewer') >= 0) showReviewer();
    if (roles.indexOf('admin') >= 0) loadConsole();
  });

  initTheme();
})();
