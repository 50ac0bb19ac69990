// Upgrades each order-status block's form to an in-page lookup through the app proxy.
// Every value in the answer comes from the network, so the DOM is built with textContent
// and checked hrefs only: nothing from the response is ever parsed as HTML.
(() => {
  // Shipment statuses along the happy path; the index drives the per-shipment progress bar.
  const STEPS = ['label_created', 'confirmed', 'in_transit', 'out_for_delivery', 'delivered'];

  const fill = (template, values) =>
    String(template).replace(/\{(\w+)\}/g, (match, key) => (key in values ? String(values[key]) : match));

  // Tracking URLs come from carriers and 3PLs; only web URLs may become links.
  const safeHref = (value) => {
    try {
      const url = new URL(String(value), location.href);
      return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
    } catch {
      return null;
    }
  };

  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = String(text);
    return node;
  };

  const link = (href, text) => {
    const a = el('a', 'order-status__link', text);
    a.href = href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    return a;
  };

  const list = (values) => (Array.isArray(values) ? values : []);

  const init = (root) => {
    // The block's script tag repeats when a page holds the block twice.
    if (root.hasAttribute('data-order-status-ready')) return;
    const form = root.querySelector('[data-order-status-form]');
    const output = root.querySelector('[data-order-status-output]');
    const message = root.querySelector('[data-order-status-message]');
    const result = root.querySelector('[data-order-status-result]');
    if (!form || !output || !message || !result) return;
    root.setAttribute('data-order-status-ready', '');

    let i18n = {};
    try {
      i18n = JSON.parse(root.querySelector('[data-order-status-i18n]').textContent);
    } catch {
      // Fall back to raw keys rather than break the lookup.
    }
    const dict = (name) => i18n[name] || {};
    const t = (key, values = {}) => fill(dict('messages')[key] || key, values);
    const label = (name, key) => dict(name)[key] || key;
    const showItems = root.dataset.showItems === 'true';
    const showMap = root.dataset.showMap === 'true';
    const locale = document.documentElement.lang || undefined;

    const date = (iso, withTime) => {
      const value = new Date(iso);
      if (!iso || isNaN(value.getTime())) return '';
      return new Intl.DateTimeFormat(locale, withTime ? { dateStyle: 'medium', timeStyle: 'short' } : { dateStyle: 'long' }).format(value);
    };

    const deliveryLine = (node, subject) => {
      if (subject.deliveredAt) node.append(el('p', null, t('delivered_on', { date: date(subject.deliveredAt) })));
      else if (subject.estimatedDeliveryAt) node.append(el('p', null, t('estimated_delivery', { date: date(subject.estimatedDeliveryAt) })));
    };

    const say = (text) => {
      message.textContent = text;
      message.hidden = !text;
    };

    const renderShipment = (shipment, index) => {
      const item = el('li', 'order-status__shipment');
      const status = label('shipmentStatus', shipment.status);
      item.append(
        el('h4', 'order-status__shipment-title', t('shipment', { number: index + 1 })),
        el('p', 'order-status__badge', shipment.carrier ? `${status} · ${shipment.carrier}` : status),
      );
      const step = STEPS.indexOf(shipment.status);
      if (step >= 0) {
        const bar = el('progress', 'order-status__progress', `${step + 1} / ${STEPS.length}`);
        bar.max = STEPS.length - 1;
        bar.value = step;
        bar.setAttribute('aria-label', status);
        item.append(bar);
      }

      const numbers = list(shipment.trackingNumbers);
      const urls = list(shipment.trackingUrls);
      const count = Math.max(numbers.length, urls.length);
      if (count > 0) {
        const tracking = el('ul', 'order-status__tracking');
        for (let i = 0; i < count; i++) {
          const number = numbers[i] || '';
          const href = urls[i] ? safeHref(urls[i]) : null;
          const entry = el('li');
          if (href) entry.append(link(href, t('track_link', { number: number || i + 1 })));
          else entry.textContent = t('tracking', { number });
          tracking.append(entry);
        }
        item.append(tracking);
      }
      deliveryLine(item, shipment);

      if (showItems && list(shipment.items).length > 0) {
        const items = el('ul', 'order-status__items');
        for (const line of shipment.items) items.append(el('li', null, `${line.title} × ${line.quantity}`));
        item.append(items);
      }

      const last = shipment.lastEvent;
      if (last) {
        const parts = [label('shipmentStatus', last.status), last.message, last.location, date(last.happenedAt, true)];
        item.append(el('p', 'order-status__event', t('last_update', { details: parts.filter(Boolean).join(' · ') })));
      }
      return item;
    };

    // Stand-in for a map: the answer carries place names, not coordinates, so for now the
    // setting lists each shipment's latest known location.
    const renderEvents = (shipments) => {
      const located = shipments.filter((s) => s.lastEvent && s.lastEvent.location);
      if (located.length === 0) return null;
      const section = el('div', 'order-status__events');
      const places = el('ul');
      for (const s of located) places.append(el('li', null, `${s.lastEvent.location} · ${date(s.lastEvent.happenedAt, true)}`));
      section.append(el('h4', null, t('events')), places);
      return section;
    };

    const render = (order) => {
      const card = el('div', 'order-status__card');
      const status = el('p', 'order-status__status', `${t('status_label')} `);
      status.append(el('strong', 'order-status__badge', label('status', order.status)));
      card.append(el('h3', 'order-status__order', t('order_label', { name: order.name })), status);

      for (const flag of list(order.attention)) {
        if (dict('attention')[flag]) card.append(el('p', 'order-status__attention', dict('attention')[flag]));
      }
      deliveryLine(card, order);

      const counts = order.items;
      if (showItems && counts && counts.total > 0) card.append(el('p', 'order-status__summary', t('items_summary', counts)));

      const shipments = list(order.shipments);
      if (shipments.length === 0) {
        card.append(el('p', null, t('no_shipments')));
      } else {
        const ol = el('ol', 'order-status__shipments');
        shipments.forEach((shipment, index) => ol.append(renderShipment(shipment, index)));
        card.append(ol);
        const events = showMap && renderEvents(shipments);
        if (events) card.append(events);
      }

      const statusPage = order.statusPageUrl && safeHref(order.statusPageUrl);
      if (statusPage) {
        const footer = el('p');
        footer.append(link(statusPage, t('status_page')));
        card.append(footer);
      }
      result.replaceChildren(card);
    };

    let pending = null;
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const order = String(form.elements.namedItem('order')?.value || '').trim();
      const email = String(form.elements.namedItem('email')?.value || '').trim();
      if (!order || !email || !form.checkValidity()) {
        form.reportValidity();
        say(t('invalid'));
        return;
      }

      pending?.abort();
      const controller = new AbortController();
      pending = controller;
      const url = new URL(root.dataset.endpoint, location.origin);
      url.searchParams.set('order', order);
      url.searchParams.set('email', email);
      result.replaceChildren();
      say(t('loading'));
      output.setAttribute('aria-busy', 'true');

      try {
        const response = await fetch(url, { headers: { Accept: 'application/json' }, signal: controller.signal });
        // A newer submit owns the output now.
        if (pending !== controller) return;
        if (response.status === 404) {
          say(t('not_found'));
          return;
        }
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const data = await response.json();
        if (pending !== controller) return;
        if (!data || typeof data.status !== 'string') throw new Error('unexpected answer');
        say('');
        render(data);
      } catch (error) {
        if (pending !== controller) return;
        // Shoppers only see the retry message; keep the cause for whoever debugs the theme.
        console.warn('order-status: lookup failed', error);
        say(t('error'));
      } finally {
        if (pending === controller) {
          pending = null;
          output.removeAttribute('aria-busy');
        }
      }
    });
  };

  document.querySelectorAll('[data-order-status]').forEach(init);
})();
