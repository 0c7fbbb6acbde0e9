/*
 * The WEx QS personal tab (plain JavaScript, no build step).
 *
 * In Teams: microsoftTeams.app.initialize(), then authentication.getAuthToken() (SSO), then
 * GET /api/me with "Authorization: Bearer <token>".
 * Outside Teams, in local mode with the identity picker on: a list of the known people; the
 * chosen person's Entra object id is sent as "X-Local-Identity" instead of a token.
 * Everything shown is set with textContent (never innerHTML), so no data is read as markup.
 * Nothing is written to the console: the token and the overview are personal.
 */
(function () {
  'use strict';

  var PICKED_KEY = 'wexqs.localIdentity';
  var TEAMS_INIT_TIMEOUT_MS = 5000;
  var $ = function (id) {
    return document.getElementById(id);
  };

  /** el('p', {className: 'x'}, 'text', childNode, ...) */
  function el(tag, props) {
    var node = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (k) {
        if (k === 'className') node.className = props[k];
        else if (k === 'text') node.textContent = props[k];
        else node.setAttribute(k, props[k]);
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  function setStatus(text) {
    var s = $('status');
    s.textContent = text || '';
    s.hidden = !text;
  }

  function showAlert(text) {
    var a = $('alert');
    a.textContent = text;
    a.hidden = false;
    setStatus('');
  }

  function hideAlert() {
    $('alert').hidden = true;
  }

  function summaryRow(list, term, value) {
    list.appendChild(el('dt', { text: term }));
    list.appendChild(typeof value === 'string' ? el('dd', { text: value }) : el('dd', null, value));
  }

  // ---------------------------------------------------------------------------------------------
  // Rendering the overview (GET /api/me)

  function renderMe(data) {
    var me = clear($('me'));
    summaryRow(me, 'Name', data.person.name);
    summaryRow(me, data.person.roles.length > 1 ? 'Roles' : 'Role', data.person.roleLabel || 'No role yet');
    summaryRow(
      me,
      'Organisation',
      data.person.organisation ? data.person.organisation.name : 'None (you are not part of an applicant organisation)',
    );
  }

  function renderCycle(data) {
    var box = clear($('cycle'));
    var c = data.cycle;
    if (!c) {
      box.appendChild(el('p', { text: 'There is no quality-standard cycle running at the moment.' }));
      return;
    }
    box.appendChild(el('h3', { text: c.name }));
    box.appendChild(el('p', null, el('strong', { text: 'Now: ' }), c.phaseLabel + '.'));
    if (c.intakePaused)
      box.appendChild(el('p', { className: 'warning', text: 'New applications are paused at the moment.' }));
    var dl = el('dl', { className: 'summary' });
    c.dates.forEach(function (d) {
      summaryRow(dl, d.label, el('time', { datetime: d.at, text: d.uk }));
    });
    box.appendChild(dl);
    box.appendChild(el('p', { className: 'hint', text: 'All times are UK time.' }));
  }

  function renderApplication(data) {
    var box = clear($('application'));
    var org = data.organisation;
    if (!org) {
      box.appendChild(
        el('p', { text: 'You are not an applicant for an organisation, so there is no application to show here.' }),
      );
      return;
    }
    box.appendChild(el('h3', { text: org.name }));
    var app = org.application;
    if (!app) {
      box.appendChild(el('p', { text: 'Your organisation has not requested an application in this cycle.' }));
      box.appendChild(
        el('p', { className: org.eligibility.eligible ? 'good' : 'warning', text: org.eligibility.summary }),
      );
      box.appendChild(el('p', { className: 'hint', text: 'To request one, type “apply” in the WEx QS chat.' }));
      return;
    }
    var dl = el('dl', { className: 'summary' });
    summaryRow(dl, 'Stage', app.stateLabel);
    summaryRow(
      dl,
      'Level applied for',
      app.targetLevel ? app.targetLevel.charAt(0).toUpperCase() + app.targetLevel.slice(1) : 'Not chosen yet',
    );
    if (app.submittedAt)
      summaryRow(
        dl,
        'Submitted',
        el(
          'span',
          null,
          el('time', { datetime: app.submittedAt.at, text: app.submittedAt.uk }),
          app.submittedLate ? ' (late, inside the grace period)' : '',
        ),
      );
    else if (app.state === 'requested' || app.state === 'open')
      summaryRow(dl, 'Days to the deadline', app.daysLeft >= 0 ? String(app.daysLeft) : 'The deadline has passed');
    var r = app.readiness;
    if (r.applies)
      summaryRow(
        dl,
        'Evidence documents',
        r.documentsRequired === null
          ? r.documentsCompleted + ' completed (' + r.documentsListed + ' in your folder)'
          : r.documentsCompleted +
              ' of ' +
              r.documentsRequired +
              ' required completed (' +
              r.documentsListed +
              ' in your folder)',
      );
    box.appendChild(dl);
    box.appendChild(el('p', { text: app.stageSummary }));

    // After the decision is communicated: the award, its level and how long it is valid.
    if (app.decision) {
      box.appendChild(el('h4', { text: 'Decision' }));
      if (app.decision.level && app.decision.validUntil) {
        box.appendChild(
          el(
            'p',
            { className: 'good' },
            el('strong', { text: app.decision.levelLabel + ' award. ' }),
            'Valid from ',
            el('time', { datetime: app.decision.validFrom.at, text: app.decision.validFrom.uk.split(', ')[0] }),
            ' until ',
            el('time', { datetime: app.decision.validUntil.at, text: app.decision.validUntil.uk.split(', ')[0] }),
            '.',
          ),
        );
      } else {
        box.appendChild(
          el('p', {
            text: 'No award this time. The feedback in the WEx QS chat explains why; your organisation can apply again in a later cycle.',
          }),
        );
      }
    }

    renderEvidenceChecks(box, app.evidenceChecks || []);

    // Readiness is about submitting: only while the application is open.
    if (!r.applies) return;
    box.appendChild(el('h4', { text: 'Readiness' }));
    if (!r.checked) {
      box.appendChild(
        el('p', { text: 'Choose the level you are applying for (bronze, silver or gold) to check your readiness.' }),
      );
      return;
    }
    if (r.ready) {
      box.appendChild(el('p', { className: 'good', text: 'Ready to submit: nothing blocks your submission.' }));
    } else {
      box.appendChild(el('p', { className: 'warning', text: 'Not ready to submit yet. Fix these problems first:' }));
    }
    var hard = r.problems.filter(function (p) {
      return p.severity === 'hard';
    });
    var soft = r.problems.filter(function (p) {
      return p.severity === 'soft';
    });
    if (hard.length > 0) {
      var ul = el('ul', { className: 'problems', 'aria-label': 'Problems that block submission' });
      hard.forEach(function (p) {
        ul.appendChild(el('li', { text: p.message }));
      });
      box.appendChild(ul);
    }
    if (soft.length > 0) {
      var details = el('details', null, el('summary', { text: 'Advice (' + soft.length + ')' }));
      var sl = el('ul', { className: 'advice' });
      soft.forEach(function (p) {
        sl.appendChild(el('li', { text: p.message }));
      });
      details.appendChild(sl);
      box.appendChild(details);
    }
  }

  /**
   * What reading each evidence file found, per file: problems that block submission, warnings (with
   * the reason when dismissed) and personal data by kind and page with a masked hint, never the value.
   */
  function renderEvidenceChecks(box, checks) {
    if (checks.length === 0) return;
    var section = el('section', { id: 'findings', 'aria-labelledby': 'findings-heading' });
    section.appendChild(el('h4', { id: 'findings-heading', text: 'What the checks of your files found' }));
    var list = el('ul', { className: 'checks' });
    checks.forEach(function (c) {
      var facts = [];
      if (c.pages !== null) facts.push(c.pages + (c.pages === 1 ? ' page' : ' pages'));
      if (c.documentDate)
        facts.push(
          'dated ' +
            new Date(c.documentDate + 'T12:00:00Z').toLocaleDateString('en-GB', {
              day: 'numeric',
              month: 'short',
              year: 'numeric',
              timeZone: 'Europe/London',
            }),
        );
      var item = el('li', null, el('strong', { text: c.document }), facts.length ? ' (' + facts.join(', ') + ')' : '');
      var lines = el('ul');
      c.findings.forEach(function (f) {
        var label = f.severity === 'hard' ? 'Must fix: ' : f.dismissedReason ? 'Warning (dismissed): ' : 'Warning: ';
        lines.appendChild(
          el(
            'li',
            { className: f.severity === 'hard' ? 'check-hard' : 'check-warning' },
            el('strong', { text: label }),
            f.message,
            f.dismissedReason ? el('span', { className: 'hint', text: ' Dismissed: ' + f.dismissedReason }) : null,
          ),
        );
      });
      c.personalData.forEach(function (p) {
        lines.appendChild(
          el(
            'li',
            { className: 'check-hard' },
            el('strong', { text: 'Personal data: ' }),
            p.kind + (p.page !== null ? ' on page ' + p.page : ' in the file properties') + ' (' + p.hint + ')',
          ),
        );
      });
      if (c.findings.length === 0 && c.personalData.length === 0)
        lines.appendChild(el('li', { className: 'good', text: 'Nothing found.' }));
      item.appendChild(lines);
      list.appendChild(item);
    });
    section.appendChild(list);
    box.appendChild(section);
  }

  function renderBookings(data) {
    var box = clear($('bookings'));
    if (data.bookings.length === 0) {
      box.appendChild(
        el('p', { text: 'You have no upcoming drop-in sessions. To book one, type “sessions” in the WEx QS chat.' }),
      );
      return;
    }
    var ul = el('ul', { className: 'bookings' });
    data.bookings.forEach(function (b) {
      var status = b.sessionCancelled
        ? 'Cancelled by the WEx QS team'
        : b.status === 'waitlisted'
          ? 'On the waiting list'
          : 'Booked';
      var li = el(
        'li',
        null,
        el('h3', { text: b.title }),
        el(
          'p',
          null,
          el('time', { datetime: b.startsAt.at, text: b.startsAt.uk }),
          ' to ',
          el('time', { datetime: b.endsAt.at, text: b.endsAt.uk.split(', ')[1] || b.endsAt.uk }),
          ' (UK time)',
        ),
        el('p', {
          className: b.sessionCancelled ? 'warning' : b.status === 'waitlisted' ? 'hint' : 'good',
          text: status,
        }),
      );
      var links = el('p', { className: 'links' });
      if (b.joinUrl)
        links.appendChild(
          el('a', { href: b.joinUrl, target: '_blank', rel: 'noopener noreferrer', text: 'Join the meeting' }),
        );
      if (b.icsUrl) links.appendChild(el('a', { href: b.icsUrl, text: 'Add to calendar (.ics)' }));
      if (links.firstChild) li.appendChild(links);
      ul.appendChild(li);
    });
    box.appendChild(ul);
  }

  function render(data) {
    hideAlert();
    renderMe(data);
    renderCycle(data);
    renderApplication(data);
    renderBookings(data);
    $('overview').hidden = false;
    setStatus('Overview for ' + data.person.name + ', updated ' + data.generatedAt.uk + ' UK time.');
  }

  async function loadOverview(headers) {
    setStatus('Loading your overview…');
    var res;
    try {
      res = await fetch('/api/me', { headers: headers, credentials: 'same-origin', cache: 'no-store' });
    } catch (e) {
      showAlert('We could not reach WEx QS. Check your connection and try again.');
      return false;
    }
    var body = null;
    try {
      body = await res.json();
    } catch (e) {
      body = null;
    }
    if (!res.ok) {
      $('overview').hidden = true;
      showAlert((body && body.message) || 'Something went wrong (' + res.status + '). Please try again.');
      return false;
    }
    render(body);
    // The award, history, conflicts and admin console (console.js) load with the same sign-in.
    document.dispatchEvent(new CustomEvent('wexqs:overview', { detail: { headers: headers, data: body } }));
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Teams SSO

  function withTimeout(promise, ms) {
    return new Promise(function (resolve, reject) {
      var t = setTimeout(function () {
        reject(new Error('timeout'));
      }, ms);
      promise.then(
        function (v) {
          clearTimeout(t);
          resolve(v);
        },
        function (e) {
          clearTimeout(t);
          reject(e);
        },
      );
    });
  }

  /** True when running inside a Teams (or other Microsoft 365) host. */
  async function initTeams() {
    if (!window.microsoftTeams || !window.microsoftTeams.app) return false;
    try {
      await withTimeout(window.microsoftTeams.app.initialize(), TEAMS_INIT_TIMEOUT_MS);
      return true;
    } catch (e) {
      return false;
    }
  }

  async function startInTeams() {
    var token;
    try {
      token = await window.microsoftTeams.authentication.getAuthToken();
    } catch (e) {
      showAlert(
        'Teams could not sign you in to WEx QS. Close and reopen the tab; if it keeps happening, contact the NHS England WEx QS team.',
      );
      return;
    }
    await loadOverview({ Authorization: 'Bearer ' + token });
    token = null;
  }

  // ---------------------------------------------------------------------------------------------
  // Local identity picker

  async function startPicker() {
    var res;
    try {
      res = await fetch('/tab/people', { cache: 'no-store' });
    } catch (e) {
      res = null;
    }
    if (!res || !res.ok) {
      showAlert('The list of people could not be loaded.');
      return;
    }
    var people = await res.json();
    var options = clear($('picker-options'));
    var picked = null;
    try {
      picked = sessionStorage.getItem(PICKED_KEY);
    } catch (e) {
      picked = null;
    }
    people.forEach(function (p, i) {
      var id = 'person-' + i;
      var input = el('input', { type: 'radio', name: 'person', id: id, value: p.entraObjectId });
      if (p.entraObjectId === picked) input.checked = true;
      var detail = [
        p.roles.length === 0
          ? 'not registered'
          : p.roles
              .map(function (r) {
                return r.replace('_', ' ');
              })
              .join(', '),
        p.organisation,
      ]
        .filter(Boolean)
        .join(', ');
      options.appendChild(
        el(
          'div',
          { className: 'choice' },
          input,
          el(
            'label',
            { for: id },
            el('span', { className: 'choice-name', text: p.name }),
            ' ',
            el('span', { className: 'hint', text: detail }),
          ),
        ),
      );
    });
    $('picker').hidden = false;
    setStatus('');
    $('picker-form').addEventListener('submit', async function (ev) {
      ev.preventDefault();
      var chosen = document.querySelector('input[name="person"]:checked');
      if (!chosen) {
        showAlert('Choose a person first.');
        return;
      }
      try {
        sessionStorage.setItem(PICKED_KEY, chosen.value);
      } catch (e) {
        /* private mode */
      }
      if (await loadOverview({ 'X-Local-Identity': chosen.value })) $('me-heading').focus();
    });
    if (
      picked &&
      people.some(function (p) {
        return p.entraObjectId === picked;
      })
    ) {
      await loadOverview({ 'X-Local-Identity': picked });
    }
  }

  async function start() {
    $('me-heading').setAttribute('tabindex', '-1');
    if (await initTeams()) {
      await startInTeams();
      return;
    }
    if (document.body.getAttribute('data-identity-picker') === 'true') {
      await startPicker();
      return;
    }
    showAlert('Open WEx QS from Microsoft Teams to see this page: it needs your Teams sign-in.');
  }

  start();
})();
