// Runs bot/web/static/pages/navigator.js under node against a few-line stand-in for the DOM: submits the
// search form, answers /api/search with the JSON body read from stdin, and prints the results box as
// nested [tag, className, text, children] (tests/unit/test_web.py). Only what navigator.js calls is here.
'use strict';
const fs = require('fs');
const vm = require('vm');

class Node {
  constructor(tag) {
    this.tagName = tag; this.children = []; this.className = ''; this.text = ''; this.hidden = false;
    this.listeners = {}; this.parent = null; this.attributes = {};
  }
  set textContent(value) { this.text = String(value); this.children = []; }
  get textContent() { return this.text + this.children.map((c) => c.textContent).join(''); }
  appendChild(child) { child.parent = this; this.children.push(child); return child; }
  replaceChildren() { this.children = []; }
  after(node) { const at = this.parent.children.indexOf(this); node.parent = this.parent; this.parent.children.splice(at + 1, 0, node); }
  remove() { if (this.parent) this.parent.children.splice(this.parent.children.indexOf(this), 1); }
  addEventListener(name, handler) { this.listeners[name] = handler; }
  focus() {}
  getAttribute(name) { return this.attributes[name]; }
  setAttribute(name, value) { this.attributes[name] = String(value); }
  all() { return this.children.flatMap((c) => [c, ...c.all()]); }
  querySelector(selector) { return this.querySelectorAll(selector)[0] || null; }
  querySelectorAll(selector) {
    if (selector.startsWith('.')) return this.all().filter((n) => n.className.split(' ').includes(selector.slice(1)));
    if (selector.startsWith('input')) return this.all().filter((n) => n.tagName === 'input' && n.checked);
    return this.all().filter((n) => n.tagName === selector);
  }
  dump() { return [this.tagName, this.className, this.text, this.children.map((c) => c.dump())]; }
}

const FIELDS = ['place', 'q', 'need', 'medication', 'payment', 'setting', 'population', 'language', 'support', 'access'];
const byId = {};
['search-form', 'status', 'candidates', 'results', 'send-form', 'send-status', 'client-phone'].forEach((id) => {
  byId[id] = new Node(id === 'search-form' || id === 'send-form' ? 'form' : 'div');
});
byId['search-form'].elements = Object.fromEntries(FIELDS.map((name) => [name, { value: name === 'place' ? '57501' : '' }]));
const csrf = new Node('meta'); csrf.attributes.content = 'token';
const body = JSON.parse(fs.readFileSync(0, 'utf-8'));
const context = {
  document: {
    getElementById: (id) => byId[id],
    querySelector: () => csrf,
    createElement: (tag) => new Node(tag),
    createTextNode: (text) => { const n = new Node('#text'); n.text = String(text); return n; },
  },
  fetch: async () => ({ status: 200, ok: true, json: async () => body }),
  URL, URLSearchParams, window: { location: { reload() {} } },
};
vm.runInNewContext(fs.readFileSync(process.argv[2], 'utf-8'), context);
byId['search-form'].listeners.submit({ preventDefault() {} });
setTimeout(() => process.stdout.write(JSON.stringify({
  results: byId.results.dump(), status: byId.status.textContent })), 50);
