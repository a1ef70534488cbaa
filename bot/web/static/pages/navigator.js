// The peer navigator page: search the registry, text chosen places to a client, and report a place
// that is wrong.
// Everything from the server is shown as text (textContent), never parsed as HTML.
(function () {
  'use strict';

  var FIELDS = ['place', 'q', 'need', 'medication', 'payment', 'setting', 'population', 'language', 'support',
    'access'];
  var PAGE_SIZE = 10;
  var MAX_SEND = 5;
  var REASONS = [['closed', 'Closed'], ['wrong_phone', 'Wrong phone'], ['wrong_address', 'Wrong address'],
    ['not_offered', "Doesn't offer this"], ['other', 'Other']];
  var reportCount = 0;

  var form = document.getElementById('search-form');
  var statusLine = document.getElementById('status');
  var candidatesBox = document.getElementById('candidates');
  var resultsBox = document.getElementById('results');
  var sendForm = document.getElementById('send-form');
  var sendStatus = document.getElementById('send-status');
  var phoneInput = document.getElementById('client-phone');
  var csrfToken = document.querySelector('meta[name="csrf-token"]').getAttribute('content');

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  // Only links of these kinds are made clickable; anything else (javascript:, data:) stays text.
  function safeHref(value, protocols) {
    if (typeof value !== 'string' || value.length > 2048) return null;
    var url;
    try { url = new URL(value); } catch (error) { return null; }
    if (protocols.indexOf(url.protocol) < 0) return null;
    if (url.protocol === 'tel:' && !/^tel:\+?[0-9]{3,15}$/.test(value)) return null;
    return url.href;
  }

  function link(text, href, external) {
    var anchor = element('a', text);
    anchor.href = href;
    if (external) {
      anchor.target = '_blank';
      anchor.rel = 'noopener noreferrer';
    }
    return anchor;
  }

  function setStatus(text) { statusLine.textContent = text; }

  function searchParams(page) {
    var params = new URLSearchParams();
    FIELDS.forEach(function (name) {
      var value = form.elements[name].value.trim();
      if (value) params.append(name, value);
    });
    params.set('page', String(page));
    params.set('page_size', String(PAGE_SIZE));
    return params;
  }

  async function search(page) {
    setStatus('Searching…');
    candidatesBox.hidden = true;
    candidatesBox.replaceChildren();
    if (page === 1) {
      resultsBox.replaceChildren();
      sendForm.hidden = true;
    }
    var response, body;
    try {
      response = await fetch('/api/search?' + searchParams(page), {
        credentials: 'same-origin', headers: { Accept: 'application/json' }
      });
      body = await response.json();
    } catch (error) {
      setStatus("Can't reach the server. Check your connection and try again.");
      return;
    }
    if (response.status === 401) {  // the session ended: the page shows the sign-in form
      window.location.reload();
      return;
    }
    if (!response.ok) {
      setStatus(body.error || 'The search did not work (' + response.status + ').');
      if (body.candidates && body.candidates.length) showCandidates(body.candidates);
      return;
    }
    showResults(body, page);
  }

  function showCandidates(candidates) {
    candidates.forEach(function (candidate) {
      var button = element('button', candidate.name);
      button.type = 'button';
      button.addEventListener('click', function () {
        form.elements.place.value = candidate.name;
        search(1);
      });
      candidatesBox.appendChild(button);
    });
    candidatesBox.hidden = false;
    candidatesBox.firstChild.focus();
  }

  function listingItem(listing) {
    var item = element('li', null, 'listing');
    var miles = typeof listing.miles === 'number' ? ' - ' + listing.miles.toFixed(1) + ' mi' : '';
    item.appendChild(element('h3', listing.n + '. ' + listing.name + miles));
    if (listing.reported_closed) item.appendChild(element('p', 'People say it may be closed. Call first.', 'warning'));
    if (listing.for_veterans) item.appendChild(element('p', listing.for_veterans));
    var tel = safeHref(listing.tel, ['tel:']);
    var phone = element('p');
    if (tel) phone.appendChild(link('Call ' + listing.phone, tel));
    else phone.textContent = 'No phone listed';
    item.appendChild(phone);
    if (listing.address) {
      var address = element('p', listing.address + ' ');
      var map = safeHref(listing.map_url, ['https:']);
      if (map) address.appendChild(link('Map', map, true));
      item.appendChild(address);
    }
    if (listing.matched && listing.matched.length) item.appendChild(element('p', 'Has: ' + listing.matched.join(', ')));
    if (listing.ask_about && listing.ask_about.length) {
      item.appendChild(element('p', 'Ask about: ' + listing.ask_about.join(', ')));
    }
    var website = safeHref(listing.url, ['https:', 'http:']);
    if (website) item.appendChild(element('p')).appendChild(link('Website', website, true));
    item.appendChild(element('p', 'Source: ' + listing.source, 'source'));
    var pick = element('label', null, 'pick');
    var box = document.createElement('input');
    box.type = 'checkbox';
    box.value = listing.id;
    box.name = 'listing';
    pick.appendChild(box);
    pick.appendChild(document.createTextNode('Send to client'));
    item.appendChild(pick);
    item.appendChild(reportBox(listing));
    return item;
  }

  // The filters searched for, as vocabulary terms: what "doesn't offer this" is about.
  function searchedTerm() {
    var facets = ['medication', 'support', 'need'];
    for (var i = 0; i < facets.length; i++) {
      var value = form.elements[facets[i]].value.trim();
      if (value) return facets[i] + ':' + value;
    }
    return null;
  }

  function reportBox(listing) {
    var box = element('div', null, 'report-problem');
    var open = element('button', 'Report a problem', 'secondary');
    open.type = 'button';
    open.setAttribute('aria-expanded', 'false');
    box.appendChild(open);
    open.addEventListener('click', function () {
      open.hidden = true;
      open.setAttribute('aria-expanded', 'true');
      var id = 'report-' + (++reportCount);
      var choice = element('fieldset');
      choice.appendChild(element('legend', "What's wrong with " + listing.name + '?'));
      REASONS.forEach(function (reason, index) {
        var label = element('label');
        var radio = document.createElement('input');
        radio.type = 'radio';
        radio.name = id;
        radio.value = reason[0];
        if (index === 0) radio.checked = true;
        label.appendChild(radio);
        label.appendChild(document.createTextNode(reason[1]));
        choice.appendChild(label);
      });
      var sendButton = element('button', 'Send report');
      sendButton.type = 'button';
      var cancel = element('button', 'Cancel', 'link');
      cancel.type = 'button';
      var note = element('p', null, 'thanks');
      note.setAttribute('role', 'status');
      choice.appendChild(sendButton);
      choice.appendChild(cancel);
      box.appendChild(choice);
      box.appendChild(note);
      choice.querySelector('input').focus();
      cancel.addEventListener('click', function () {
        choice.remove();
        note.remove();
        open.hidden = false;
        open.setAttribute('aria-expanded', 'false');
        open.focus();
      });
      sendButton.addEventListener('click', async function () {
        var reason = choice.querySelector('input:checked').value;
        var report = { listing_id: listing.id, reason: reason };
        var term = reason === 'not_offered' ? searchedTerm() : null;
        if (term) report.term = term;
        sendButton.disabled = true;
        note.textContent = 'Sending…';
        var response, body;
        try {
          response = await fetch('/api/reports', {
            method: 'POST',
            credentials: 'same-origin',
            headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken, Accept: 'application/json' },
            body: JSON.stringify(report)
          });
          body = await response.json();
        } catch (error) {
          note.textContent = "Can't reach the server. Nothing was reported.";
          sendButton.disabled = false;
          return;
        }
        if (response.status === 401) { window.location.reload(); return; }
        if (!response.ok) {
          note.textContent = body.error || 'Not reported (' + response.status + ').';
          sendButton.disabled = false;
          return;
        }
        choice.remove();
        note.textContent = 'Thanks, reported.';
      });
    });
    return box;
  }

  function servicesSection(title, services) {
    var section = element('section', null, 'services');
    section.appendChild(element('h2', title));
    var list = element('ul');
    services.forEach(function (service) {
      var item = element('li', service.name + (service.how_to_start ? ': ' + service.how_to_start : ''));
      var tel = safeHref(service.tel, ['tel:']);
      if (tel) {
        item.appendChild(document.createTextNode(' '));
        item.appendChild(link('Call ' + service.phone, tel));
      }
      list.appendChild(item);
    });
    section.appendChild(list);
    return section;
  }

  // Few medication listings near (or a doctor asked for): health centers, a tier of their own. Never numbered,
  // never "Has: buprenorphine", never sent as a listing: the HRSA list does not say which prescribe it.
  var HEALTH_CENTER_LABEL = 'Community health center, sliding fee, many prescribe buprenorphine, call to ask';

  function healthCentersSection(centers) {
    var section = element('section', null, 'services health-centers');
    section.appendChild(element('h2', 'Also nearby: community health centers'));
    var list = element('ul');
    centers.forEach(function (center) {
      var miles = typeof center.miles === 'number' ? ' - ' + center.miles.toFixed(1) + ' mi' : '';
      var item = element('li', null, 'health-center');
      item.appendChild(element('h3', center.name + miles));
      item.appendChild(element('p', HEALTH_CENTER_LABEL));
      var tel = safeHref(center.tel, ['tel:']);
      var phone = element('p');
      if (tel) phone.appendChild(link('Call ' + center.phone, tel));
      else phone.textContent = 'No phone listed';
      item.appendChild(phone);
      if (center.address) {
        var address = element('p', center.address + ' ');
        var map = safeHref(center.map_url, ['https:']);
        if (map) address.appendChild(link('Map', map, true));
        item.appendChild(address);
      }
      item.appendChild(element('p', 'Source: ' + center.source, 'source'));
      list.appendChild(item);
    });
    section.appendChild(list);
    return section;
  }

  function showResults(body, page) {
    var list = resultsBox.querySelector('ol');
    if (!list) {
      resultsBox.appendChild(element('h2', 'Near ' + body.place.name));
      list = element('ol', null, 'results-list');
      resultsBox.appendChild(list);
    }
    var more = resultsBox.querySelector('.more');
    if (more) more.remove();
    body.listings.forEach(function (listing) { list.appendChild(listingItem(listing)); });
    if (body.has_more) {
      var moreButton = element('button', 'More results', 'more');
      moreButton.type = 'button';
      moreButton.addEventListener('click', function () { search(page + 1); });
      list.after(moreButton);
    }
    if (page === 1) {
      var centers = Array.isArray(body.health_centers) ? body.health_centers : [];
      if (centers.length) resultsBox.appendChild(healthCentersSection(centers));
      if (body.virtual.length) resultsBox.appendChild(servicesSection('By phone or online', body.virtual));
      if (body.national.length) resultsBox.appendChild(servicesSection('National lines', body.national));
    }
    var shown = list.children.length;
    var notes = [];
    if (body.widened) notes.push('nothing closer, so the search reached ' + body.radius_miles + ' miles');
    if (body.relaxed.length) {
      notes.push('none list ' + body.relaxed.map(function (t) { return t.label; }).join(', ') + ': ask them');
    }
    if (body.understood) {
      notes.push('read as: ' + (body.understood.filters.map(function (t) { return t.label; }).join(', ') || 'no filters'));
    }
    setStatus(shown + (shown === 1 ? ' place' : ' places') + ' near ' + body.place.name +
      (notes.length ? ' (' + notes.join('; ') + ')' : '') + '.');
    sendForm.hidden = shown === 0;
  }

  async function send() {
    var ids = Array.prototype.map.call(resultsBox.querySelectorAll('input[name="listing"]:checked'),
      function (box) { return box.value; });
    if (!ids.length) { sendStatus.textContent = 'Check "Send to client" on one or more places first.'; return; }
    if (ids.length > MAX_SEND) { sendStatus.textContent = 'Pick at most ' + MAX_SEND + ' places.'; return; }
    if (!phoneInput.value.trim()) { sendStatus.textContent = "Enter the client's mobile number."; return; }
    sendStatus.textContent = 'Sending…';
    var response, body;
    try {
      response = await fetch('/api/send', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken, Accept: 'application/json' },
        body: JSON.stringify({ to: phoneInput.value.trim(), listing_ids: ids })
      });
      body = await response.json();
    } catch (error) {
      sendStatus.textContent = "Can't reach the server. Nothing was sent.";
      return;
    }
    if (!response.ok) { sendStatus.textContent = body.error || 'Not sent (' + response.status + ').'; return; }
    phoneInput.value = '';  // used once: nothing keeps the number
    sendStatus.textContent = 'Sent ' + body.listings + (body.listings === 1 ? ' place' : ' places') + ' in ' +
      body.sent + (body.sent === 1 ? ' text.' : ' texts.');
  }

  form.addEventListener('submit', function (event) { event.preventDefault(); search(1); });
  sendForm.addEventListener('submit', function (event) { event.preventDefault(); send(); });
}());
