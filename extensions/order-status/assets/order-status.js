// Upgrades each order-status block to an in-page lookup through the app proxy (JSON answers).
// Everything in an answer comes from the network: the DOM is built with textContent and
// checked hrefs only, never parsed as HTML.
(() => {
  // Shipment statuses along the happy path; the index drives the progress bar.
  const STEPS = ['label_created', 'confirmed', 'in_transit', 'out_for_delivery', 'delivered'];
  const fill = (s, v) => String(s).replace(/\{(\w+)\}/g, (m, k) => (k in v ? String(v[k]) : m));
  const list = (v) => (Array.isArray(v) ? v : []);
  // Tracking URLs come from carriers and 3PLs; only web URLs may become links.
  const safeHref = (value) => {
    try {
      const url = new URL(String(value), location.href);
      return /^https?:$/.test(url.protocol) ? url.href : null;
    } catch {
      return null;
    }
  };
  const el = (tag, cls, text) => {
    const n = document.createElement(tag);
    if (cls) n.className = 'order-status__' + cls;
    if (text != null) n.textContent = String(text);
    return n;
  };
  const link = (href, text) => {
    const a = el('a', 'link', text);
    a.href = href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    return a;
  };

  const init = (root) => {
    // The script tag repeats when a page holds the block twice.
    if (root.hasAttribute('data-ready')) return;
    root.setAttribute('data-ready', '');
    const $ = (name) => root.querySelector(`[data-order-status-${name}]`);
    const form = $('form');
    const message = $('message');
    const result = $('result');
    let i18n = {};
    try {
      i18n = JSON.parse($('i18n').textContent);
    } catch {
      // Raw keys beat a broken lookup.
    }
    const dict = (name) => i18n[name] || {};
    const t = (key, v = {}) => fill(dict('messages')[key] || key, v);
    const label = (name, key) => dict(name)[key] || key;
    const data = root.dataset;
    const showItems = data.showItems === 'true';
    const showMap = data.showMap === 'true';
    const locale = document.documentElement.lang || undefined;
    const date = (iso, time) => {
      const d = new Date(iso);
      if (!iso || isNaN(d)) return '';
      return new Intl.DateTimeFormat(locale, time ? { dateStyle: 'medium', timeStyle: 'short' } : { dateStyle: 'long' }).format(d);
    };
    const say = (text) => {
      message.textContent = text;
      message.hidden = !text;
    };
    const when = (node, s) => {
      if (s.deliveredAt) node.append(el('p', null, t('delivered_on', { date: date(s.deliveredAt) })));
      else if (s.estimatedDeliveryAt) node.append(el('p', null, t('estimated_delivery', { date: date(s.estimatedDeliveryAt) })));
    };

    const shipment = (s, index) => {
      const li = el('li', 'shipment');
      const title = t('shipment', { number: index + 1 });
      const status = label('shipmentStatus', s.status);
      li.append(el('h4', 'shipment-title', title), el('p', 'badge', s.carrier ? `${status} · ${s.carrier}` : status));
      const step = STEPS.indexOf(s.status);
      if (step >= 0) {
        const bar = el('div', 'progress');
        const done = el('span');
        done.style.width = `${(100 * (step + 1)) / STEPS.length}%`;
        bar.append(done);
        bar.setAttribute('role', 'progressbar');
        bar.setAttribute('aria-label', t('progress', { shipment: title }));
        bar.setAttribute('aria-valuemin', '1');
        bar.setAttribute('aria-valuemax', String(STEPS.length));
        bar.setAttribute('aria-valuenow', String(step + 1));
        bar.setAttribute('aria-valuetext', t('progress_value', { status, step: step + 1, steps: STEPS.length }));
        li.append(bar);
      }
      const numbers = list(s.trackingNumbers);
      const urls = list(s.trackingUrls);
      if (numbers.length || urls.length) {
        const ul = el('ul', 'tracking');
        for (let i = 0; i < Math.max(numbers.length, urls.length); i++) {
          const number = numbers[i] || '';
          const href = safeHref(urls[i] || '');
          const entry = el('li');
          if (href) entry.append(link(href, t('track_link', { number: number || i + 1 })));
          else entry.textContent = t('tracking', { number });
          ul.append(entry);
        }
        li.append(ul);
      }
      when(li, s);
      if (showItems && list(s.items).length) {
        const ul = el('ul', 'items');
        for (const line of s.items) ul.append(el('li', null, `${line.title} × ${line.quantity}`));
        li.append(ul);
      }
      const last = s.lastEvent;
      if (last) {
        const parts = [label('shipmentStatus', last.status), last.message, last.location, date(last.happenedAt, true)];
        li.append(el('p', 'event', t('last_update', { details: parts.filter(Boolean).join(' · ') })));
      }
      return li;
    };

    // Stand-in for a map: answers carry place names, not coordinates.
    const places = (shipments) => {
      const located = shipments.filter((s) => s.lastEvent && s.lastEvent.location);
      if (!located.length) return null;
      const box = el('div', 'events');
      const ul = el('ul');
      for (const s of located) ul.append(el('li', null, `${s.lastEvent.location} · ${date(s.lastEvent.happenedAt, true)}`));
      box.append(el('h4', null, t('events')), ul);
      return box;
    };

    const card = (order) => {
      const box = el('article', 'card');
      const heading = el('h3', 'order', t('order_label', { name: order.name }));
      heading.tabIndex = -1;
      const status = el('p', 'status', `${t('status_label')} `);
      status.append(el('strong', 'badge', label('status', order.status)));
      box.append(heading, status);
      for (const flag of list(order.attention)) {
        if (dict('attention')[flag]) box.append(el('p', 'attention', dict('attention')[flag]));
      }
      when(box, order);
      const counts = order.items;
      if (showItems && counts && counts.total > 0) box.append(el('p', 'summary', t('items_summary', counts)));
      const shipments = list(order.shipments);
      if (!shipments.length) box.append(el('p', null, t('no_shipments')));
      else {
        const ol = el('ol', 'shipments');
        shipments.forEach((s, i) => ol.append(shipment(s, i)));
        box.append(ol);
        const map = showMap && places(shipments);
        if (map) box.append(map);
      }
      // Shopify's own order page stays the fallback to the full truth.
      const page = order.statusPageUrl && safeHref(order.statusPageUrl);
      if (page) {
        const p = el('p');
        p.append(link(page, t('status_page')));
        box.append(p);
      }
      return box;
    };

    let pending = null;
    // The shopper's order number and email or phone go in a POST body, never in the URL, which
    // proxies and servers on the way keep in their logs. Without claims (a signed-in customer's
    // recent orders) it is a plain GET.
    const lookup = async (claims, show) => {
      pending?.abort();
      const controller = new AbortController();
      pending = controller;
      const request = claims
        ? { method: 'POST', headers: { Accept: 'application/json', 'Content-Type': 'application/json' }, body: JSON.stringify(claims) }
        : { method: 'GET', headers: { Accept: 'application/json' } };
      root.setAttribute('aria-busy', 'true');
      try {
        const response = await fetch(new URL(data.endpoint, location.origin), { ...request, signal: controller.signal });
        const body = response.ok ? await response.json() : null;
        if (pending !== controller) return;
        if (response.status === 404) say(t('not_found'));
        else if (response.status === 429) say(t('rate_limited'));
        else if (!body) throw new Error(`HTTP ${response.status}`);
        else show(body);
      } catch (error) {
        if (pending !== controller) return;
        // Shoppers see the retry message; the cause is kept for whoever debugs the theme.
        console.warn('order-status: lookup failed', error);
        say(t('error'));
      } finally {
        if (pending === controller) {
          pending = null;
          root.removeAttribute('aria-busy');
        }
      }
    };

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const order = form.elements.order.value.trim();
      const contact = form.elements.contact.value.trim();
      if (!order || !contact || !form.checkValidity()) {
        say(t('invalid'));
        return;
      }
      result.replaceChildren();
      say(t('loading'));
      lookup({ order, [contact.includes('@') ? 'email' : 'phone']: contact }, (order) => {
        if (typeof order.status !== 'string') throw new Error('unexpected answer');
        say(t('found', { name: order.name }));
        const box = card(order);
        result.replaceChildren(box);
        box.querySelector('h3').focus();
      });
    });

    // A signed-in customer's recent orders appear without typing.
    if (data.signedIn === 'true') {
      lookup(null, (body) => {
        const orders = list(body.orders);
        if (!orders.length || result.childElementCount) return;
        const box = el('section', 'recent');
        box.append(el('h3', null, t('recent_orders')));
        for (const order of orders) box.append(card(order));
        result.replaceChildren(box);
      });
    }
  };

  document.querySelectorAll('[data-order-status]').forEach(init);
})();
