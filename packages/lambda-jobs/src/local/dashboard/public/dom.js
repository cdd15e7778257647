/**
 * Builds DOM nodes without ever parsing HTML: text always goes through text nodes, so data from
 * the API cannot inject markup.
 */

const SVG_NAMESPACE = 'http://www.w3.org/2000/svg';

function applyAttributes(element, attributes) {
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
}

function appendChildren(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

/**
 * An HTML element: `h('a', { href: '#/' }, 'Overview')`.
 * @param {string} tag
 * @param {Record<string, unknown>} [attributes]
 * @param {...unknown} children
 * @returns {HTMLElement}
 */
export function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  applyAttributes(element, attributes);
  appendChildren(element, children);
  return element;
}

/**
 * An SVG element: `svg('path', { d: 'M0 0 L10 10' })`.
 * @param {string} tag
 * @param {Record<string, unknown>} [attributes]
 * @param {...unknown} children
 * @returns {SVGElement}
 */
export function svg(tag, attributes, ...children) {
  const element = document.createElementNS(SVG_NAMESPACE, tag);
  applyAttributes(element, attributes);
  appendChildren(element, children);
  return element;
}

/**
 * Replaces an element's content.
 * @param {Element} element
 * @param {...unknown} children
 */
export function replaceContent(element, ...children) {
  element.replaceChildren();
  appendChildren(element, children);
}
