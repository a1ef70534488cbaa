// The treatment navigator chat widget.
//
// Embed it with one element and one script tag:
//   <div id="treatment-navigator" data-server="https://chat.example.org"
//        data-exit-url="https://www.weather.gov"></div>
//   <script src="https://navigator.example.org/widget/widget.js" defer></script>
//
// data-server is the assistant's address (its socket.io endpoint; default: this script's own
// site) and data-exit-url the page Quick exit opens. The widget loads its stylesheet and the
// socket.io client from beside this file; nothing comes from a CDN.
//
// Everything the assistant sends is shown as text (textContent): markup in a message or in a
// provider's name is never parsed, and only tel:, https: and http: links are made clickable: the
// cards' own links, and phone numbers and web addresses found in the assistant's text (never in
// what the person typed).
(function () {
  'use strict';

  var STORAGE_KEY = 'treatment-navigator';
  var MAX_TRANSCRIPT = 80;
  var MAX_MESSAGE_CHARS = 500;
  var DEFAULT_EXIT_URL = 'https://www.weather.gov';
  var PRIVACY_NOTE = "This chat is private. We don't keep your name or number; chats are deleted after " +
    '24 hours. Quick exit leaves this page fast.';
  var OFFLINE_NOTE = "Can't connect right now. For help finding treatment, call the SAMHSA helpline " +
    '1-800-662-4357 (free, 24/7). In an emergency, call 911.';
  var script = document.currentScript;
  var assetBase = new URL('.', script && script.src ? script.src : window.location.href);

  // --- safe values ------------------------------------------------------------------------

  function safeHref(value, protocols) {
    if (typeof value !== 'string' || value.length > 2048) return null;
    var url;
    try { url = new URL(value); } catch (error) { return null; }
    if (protocols.indexOf(url.protocol) < 0) return null;
    if (url.protocol === 'tel:' && !/^tel:\+?[0-9]{3,15}$/.test(value)) return null;
    return url.href;
  }

  function text(value) {
    return typeof value === 'string' ? value : (typeof value === 'number' ? String(value) : '');
  }

  function textList(value) {
    return Array.isArray(value) ? value.filter(function (item) { return typeof item === 'string'; }) : [];
  }

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content) node.textContent = content;
    return node;
  }

  // Phone numbers ("1-800-662-4357", "(215) 555-0100", 988, 911) and web addresses
  // ("https://...", "nextdistro.org") in the assistant's own text, as links a tap can follow.
  var LINKABLE = new RegExp(
    '(\\bhttps?:\\/\\/[^\\s<>"]+|\\b(?:www\\.)?[a-z0-9-]+(?:\\.[a-z0-9-]+)*\\.(?:org|gov|com|net|us)\\b(?:\\/[^\\s<>"]*)?)' +
    '|((?:\\+?1[-. ]?)?(?:\\(\\d{3}\\)\\s?|\\b\\d{3}[-. ])\\d{3}[-. ]\\d{4}\\b|\\b(?:911|988)\\b)', 'gi');

  function telHref(number) {
    var digits = number.replace(/\D/g, '');
    if (digits.length === 10) digits = '+1' + digits;
    else if (digits.length === 11 && digits.charAt(0) === '1') digits = '+' + digits;
    return safeHref('tel:' + digits, ['tel:']);
  }

  // Text as text nodes, with links made only from what matches LINKABLE: markup stays text.
  function linkedText(tag, className, value) {
    var node = element(tag, className);
    var source = text(value);
    var last = 0;
    source.replace(LINKABLE, function (match, address, phone, offset) {
      var trailing = address ? /[.,;:!?)\]'"]+$/.exec(match) : null;
      var shown = trailing ? match.slice(0, match.length - trailing[0].length) : match;
      var href = address ? safeHref(/^https?:/i.test(shown) ? shown : 'https://' + shown, ['https:', 'http:'])
        : telHref(phone);
      if (!href) return match;
      node.appendChild(document.createTextNode(source.slice(last, offset)));
      var anchor = element('a', address ? 'tn-link' : 'tn-tel', shown);
      anchor.href = href;
      if (address) {
        anchor.target = '_blank';
        anchor.rel = 'noopener noreferrer';
      }
      node.appendChild(anchor);
      last = offset + shown.length;
      return match;
    });
    node.appendChild(document.createTextNode(source.slice(last)));
    return node;
  }

  function button(label, className) {
    var node = element('button', className, label);
    node.type = 'button';
    return node;
  }

  // --- state kept for this tab only (sessionStorage), so a reload keeps the conversation ----

  function loadState() {
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(STORAGE_KEY) || 'null');
      if (saved && typeof saved === 'object') return saved;
    } catch (error) { /* storage blocked or damaged: start fresh */ }
    return {};
  }

  function Widget(host) {
    this.host = host;
    this.server = safeHref(host.getAttribute('data-server'), ['https:', 'http:']) || assetBase.origin;
    this.exitUrl = safeHref(host.getAttribute('data-exit-url'), ['https:', 'http:']) || DEFAULT_EXIT_URL;
    var saved = loadState();
    this.state = {
      token: typeof saved.token === 'string' ? saved.token : null,
      open: saved.open === true,
      transcript: Array.isArray(saved.transcript) ? saved.transcript.slice(-MAX_TRANSCRIPT) : [],
      replies: Array.isArray(saved.replies) ? saved.replies : []
    };
    this.socket = null;
    this.pending = [];
    this.build();
    this.state.transcript.forEach(this.renderEntry, this);
    this.showReplies(this.state.replies);
    if (this.state.open) this.open(false);
  }

  Widget.prototype.save = function () {
    try { window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(this.state)); } catch (error) { /* private mode */ }
  };

  // --- the page structure -----------------------------------------------------------------

  Widget.prototype.build = function () {
    var self = this;
    var root = element('div', 'tn-root');
    root.hidden = true;  // until the stylesheet has loaded

    this.dock = element('div', 'tn-dock');
    this.launcher = button('Chat: find treatment near you', 'tn-launcher');
    this.launcher.setAttribute('aria-expanded', 'false');
    this.launcher.setAttribute('aria-controls', 'tn-panel');
    this.dock.appendChild(this.quickExitButton());
    this.dock.appendChild(this.launcher);

    this.panel = element('section', 'tn-panel');
    this.panel.id = 'tn-panel';
    this.panel.setAttribute('role', 'dialog');
    this.panel.setAttribute('aria-labelledby', 'tn-title');
    this.panel.hidden = true;

    var header = element('div', 'tn-header');
    var title = element('h2', 'tn-title', 'Find treatment and support');
    title.id = 'tn-title';
    this.closeButton = button('Close', 'tn-close');
    this.closeButton.setAttribute('aria-label', 'Close chat');
    header.appendChild(title);
    header.appendChild(this.quickExitButton());
    header.appendChild(this.closeButton);

    var privacy = element('p', 'tn-privacy', PRIVACY_NOTE);
    privacy.id = 'tn-privacy';

    this.log = element('div', 'tn-log');
    this.log.setAttribute('role', 'log');
    this.log.setAttribute('aria-live', 'polite');
    this.log.setAttribute('aria-label', 'Conversation');
    this.log.tabIndex = 0;  // scrollable with the keyboard

    this.replies = element('div', 'tn-replies');
    this.replies.setAttribute('role', 'group');
    this.replies.setAttribute('aria-label', 'Suggested answers');

    this.status = element('p', 'tn-status');
    this.status.setAttribute('role', 'status');

    this.form = element('form', 'tn-form');
    var label = element('label', 'tn-visually-hidden', 'Your message');
    label.htmlFor = 'tn-input';
    this.input = element('input', 'tn-input');
    this.input.id = 'tn-input';
    this.input.type = 'text';
    this.input.autocomplete = 'off';
    this.input.maxLength = MAX_MESSAGE_CHARS;
    this.input.placeholder = 'Type your message';
    this.input.setAttribute('aria-describedby', 'tn-privacy');
    var send = element('button', 'tn-send', 'Send');
    send.type = 'submit';
    this.form.appendChild(label);
    this.form.appendChild(this.input);
    this.form.appendChild(send);

    [header, privacy, this.log, this.replies, this.status, this.form].forEach(function (part) {
      self.panel.appendChild(part);
    });
    root.appendChild(this.dock);
    root.appendChild(this.panel);
    this.host.appendChild(root);
    this.root = root;

    this.launcher.addEventListener('click', function () { self.open(true); });
    this.closeButton.addEventListener('click', function () { self.close(); });
    this.panel.addEventListener('keydown', function (event) {
      if (event.key === 'Escape') {
        event.preventDefault();
        self.close();
      }
    });
    this.form.addEventListener('submit', function (event) {
      event.preventDefault();
      var message = self.input.value.trim();
      if (!message) return;
      self.input.value = '';
      self.send(message, message);
    });
  };

  Widget.prototype.quickExitButton = function () {
    var self = this;
    var exit = button('Quick exit', 'tn-exit');
    exit.setAttribute('aria-describedby', 'tn-exit-note');
    exit.addEventListener('click', function () { self.quickExit(); });
    if (!document.getElementById('tn-exit-note')) {
      var note = element('span', 'tn-visually-hidden', 'Leaves this page at once and clears the chat');
      note.id = 'tn-exit-note';
      this.host.appendChild(note);
    }
    return exit;
  };

  Widget.prototype.open = function (moveFocus) {
    this.panel.hidden = false;
    this.dock.hidden = true;
    this.launcher.setAttribute('aria-expanded', 'true');
    this.state.open = true;
    this.save();
    this.connect();
    this.scrollToEnd();
    if (moveFocus) this.input.focus();
  };

  Widget.prototype.close = function () {
    this.panel.hidden = true;
    this.dock.hidden = false;
    this.launcher.setAttribute('aria-expanded', 'false');
    this.state.open = false;
    this.save();
    this.launcher.focus();
  };

  // Leaves fast and leaves nothing behind: no conversation on screen or in storage, and Back
  // does not return here (location.replace drops this page from the history).
  Widget.prototype.quickExit = function () {
    if (this.socket) {
      this.socket.off();
      this.socket.disconnect();
    }
    this.log.replaceChildren();
    this.replies.replaceChildren();
    this.input.value = '';
    this.state = {};
    try { window.sessionStorage.clear(); } catch (error) { /* nothing stored */ }
    window.location.replace(this.exitUrl);
  };

  // --- talking to the assistant -----------------------------------------------------------

  Widget.prototype.connect = function () {
    if (this.socket || typeof window.io !== 'function') return;
    var self = this;
    var socket = window.io(this.server, { path: '/socket.io', transports: ['websocket'] });
    this.socket = socket;
    socket.on('connect', function () {
      socket.emit('session_request', { session_id: self.state.token });
    });
    socket.on('session_confirm', function (token) {
      if (typeof token !== 'string') return;
      var fresh = token !== self.state.token;
      if (fresh && self.state.token) {
        // The old conversation has expired on the server: start again on screen too.
        self.log.replaceChildren();
        self.state.transcript = [];
        self.setReplies([]);
      }
      self.state.token = token;
      self.save();
      self.setStatus('');
      if (fresh && !self.state.transcript.length && !self.pending.length) self.emit('/greet');
      self.pending.splice(0).forEach(self.emit, self);
    });
    socket.on('bot_uttered', function (message) { self.receive(message); });
    socket.on('connect_error', function () { self.setStatus(OFFLINE_NOTE); });
  };

  Widget.prototype.emit = function (message) {
    this.socket.emit('user_uttered', { message: message, session_id: this.state.token });
  };

  // `shown` is what the transcript says the person sent: a button's title, not its payload.
  Widget.prototype.send = function (message, shown) {
    this.record({ from: 'user', text: shown });
    this.setReplies([]);
    if (this.socket && this.socket.connected && this.state.token) this.emit(message);
    else {
      this.pending.push(message);
      this.connect();
    }
  };

  Widget.prototype.receive = function (message) {
    if (!message || typeof message !== 'object') return;
    var offered = message.quick_replies;
    if (message.custom && message.custom.type === 'listings') {
      this.record({ from: 'bot', listings: message.custom });
      offered = message.custom.buttons;  // More places, New search
    } else if (typeof message.text === 'string' && message.text) {
      this.record({ from: 'bot', text: message.text });
    }
    var replies = (Array.isArray(offered) ? offered : []).filter(function (reply) {
      return reply && typeof reply.title === 'string' && typeof reply.payload === 'string';
    }).map(function (reply) { return { title: reply.title, payload: reply.payload }; });
    if (replies.length) this.setReplies(replies);
  };

  Widget.prototype.setStatus = function (note) {
    this.status.textContent = note;
  };

  // --- the transcript ---------------------------------------------------------------------

  Widget.prototype.record = function (entry) {
    this.state.transcript.push(entry);
    this.state.transcript = this.state.transcript.slice(-MAX_TRANSCRIPT);
    this.save();
    this.renderEntry(entry);
  };

  Widget.prototype.renderEntry = function (entry) {
    if (!entry || typeof entry !== 'object') return;
    var fromUser = entry.from === 'user';
    var bubble = element('div', 'tn-message ' + (fromUser ? 'tn-from-user' : 'tn-from-bot'));
    bubble.appendChild(element('span', 'tn-visually-hidden', fromUser ? 'You said: ' : 'Navigator: '));
    if (entry.listings) this.renderListings(bubble, entry.listings);
    else if (fromUser) bubble.appendChild(element('p', 'tn-text', text(entry.text)));
    else bubble.appendChild(linkedText('p', 'tn-text', entry.text));
    this.log.appendChild(bubble);
    this.scrollToEnd();
  };

  Widget.prototype.renderListings = function (bubble, page) {
    var self = this;
    if (text(page.intro)) bubble.appendChild(linkedText('p', 'tn-text', page.intro));
    var list = element('ol', 'tn-cards');
    (Array.isArray(page.listings) ? page.listings : []).forEach(function (listing) {
      if (listing && typeof listing === 'object') list.appendChild(self.card(listing));
    });
    bubble.appendChild(list);
    // Health centers (few medication listings near) are a line of their own, never a numbered place.
    (Array.isArray(page.health_centers) ? page.health_centers : []).forEach(function (center) {
      if (center && text(center.line)) bubble.appendChild(linkedText('p', 'tn-extra', center.line));
    });
    textList(page.extras).forEach(function (extra) { bubble.appendChild(linkedText('p', 'tn-extra', extra)); });
    if (text(page.footer)) bubble.appendChild(linkedText('p', 'tn-footer', page.footer));
  };

  Widget.prototype.card = function (listing) {
    var self = this;
    var card = element('li', 'tn-card');
    var name = text(listing.name);
    card.appendChild(element('h3', 'tn-card-name', (listing.n ? text(listing.n) + '. ' : '') + name));
    if (typeof listing.miles === 'number') {
      card.appendChild(element('p', 'tn-miles', listing.miles.toFixed(1) + ' miles away'));
    }
    if (text(listing.for_veterans)) card.appendChild(element('p', 'tn-veterans', text(listing.for_veterans)));
    if (text(listing.warning)) card.appendChild(element('p', 'tn-warning', text(listing.warning)));
    var tel = safeHref(listing.tel, ['tel:']);
    if (tel) {
      var call = element('a', 'tn-call', 'Call ' + (text(listing.phone) || tel.slice(4)));
      call.href = tel;
      card.appendChild(call);
    } else {
      card.appendChild(element('p', 'tn-muted', 'No phone listed'));
    }
    if (text(listing.address)) {
      var address = element('p', 'tn-address', text(listing.address) + ' ');
      var map = safeHref(listing.map_url, ['https:']);
      if (map) address.appendChild(this.externalLink('Map', map, 'Map of ' + name));
      card.appendChild(address);
    }
    var matched = textList(listing.matched);
    if (matched.length) card.appendChild(element('p', 'tn-has', 'Has: ' + matched.join(', ')));
    var ask = textList(listing.ask_about);
    if (ask.length) card.appendChild(element('p', 'tn-ask', 'Ask about: ' + ask.join(', ')));
    var website = safeHref(listing.url, ['https:', 'http:']);
    if (website) card.appendChild(this.externalLink('Website', website, 'Website of ' + name));
    if (text(listing.source)) card.appendChild(element('p', 'tn-source', 'Source: ' + text(listing.source)));
    if (typeof listing.n === 'number') {
      var details = button('Details', 'tn-details');
      details.setAttribute('aria-label', 'Details about ' + name);
      details.addEventListener('click', function () { self.send(String(listing.n), 'Details: ' + name); });
      card.appendChild(details);
    }
    // Report a problem: sends the report intent with this listing's number; the reasons come back as buttons.
    var report = listing.report;
    if (report && typeof report.title === 'string' && typeof report.payload === 'string') {
      var reportButton = button(report.title, 'tn-report');
      reportButton.setAttribute('aria-label', report.title + ': ' + name);
      reportButton.addEventListener('click', function () { self.send(report.payload, report.title + ': ' + name); });
      card.appendChild(reportButton);
    }
    return card;
  };

  Widget.prototype.externalLink = function (label, href, accessibleName) {
    var anchor = element('a', 'tn-link', label);
    anchor.href = href;
    anchor.target = '_blank';
    anchor.rel = 'noopener noreferrer';
    anchor.setAttribute('aria-label', accessibleName + ' (opens in a new tab)');
    return anchor;
  };

  Widget.prototype.setReplies = function (replies) {
    this.state.replies = replies;
    this.save();
    this.showReplies(replies);
  };

  Widget.prototype.showReplies = function (replies) {
    var self = this;
    this.replies.replaceChildren();
    replies.forEach(function (reply) {
      var choice = button(reply.title, 'tn-reply');
      choice.addEventListener('click', function () { self.send(reply.payload, reply.title); });
      self.replies.appendChild(choice);
    });
  };

  Widget.prototype.scrollToEnd = function () {
    this.log.scrollTop = this.log.scrollHeight;
  };

  // --- start ------------------------------------------------------------------------------

  function loadAsset(tag, attributes) {
    return new Promise(function (resolve, reject) {
      var node = document.createElement(tag);
      Object.keys(attributes).forEach(function (name) { node.setAttribute(name, attributes[name]); });
      node.addEventListener('load', resolve);
      node.addEventListener('error', reject);
      document.head.appendChild(node);
    });
  }

  function start() {
    var host = document.getElementById('treatment-navigator');
    if (!host || host.getAttribute('data-started')) return;
    host.setAttribute('data-started', 'true');
    var stylesheet = loadAsset('link', { rel: 'stylesheet', href: new URL('widget.css', assetBase).href });
    var client = typeof window.io === 'function' ? Promise.resolve()
      : loadAsset('script', { src: new URL('socket.io.min.js', assetBase).href });
    var widget = new Widget(host);
    stylesheet.then(function () { widget.root.hidden = false; }, function () { widget.root.hidden = false; });
    client.then(function () {
      if (widget.state.open || widget.state.token || widget.pending.length) widget.connect();
    }, function () { widget.setStatus(OFFLINE_NOTE); });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
}());
