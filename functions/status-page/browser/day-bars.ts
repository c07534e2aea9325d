import { el } from './dom.ts';
import { dayLabel, dayTone, type StatusDay } from './labels.ts';

// 90 daily bars: one tab stop per site (a roving tabindex, as WAI-ARIA's toolbar pattern does), arrows and
// Home/End move between days, each bar has its label for screen readers and shows it in a tooltip on focus
// or hover (and on tap, which focuses it).

const KEY_STEPS: Readonly<Record<string, (index: number, last: number) => number>> = {
  ArrowLeft: (index) => index - 1,
  ArrowRight: (index) => index + 1,
  Home: () => 0,
  End: (_index, last) => last,
};

/** The bars of one site, newest (today) holding the tab stop. */
export function renderDayBars(
  siteId: string,
  days: readonly StatusDay[],
  utcDate: Intl.DateTimeFormat,
): HTMLElement {
  const tip = el('div', { class: 'tip', 'aria-hidden': 'true' });
  const bars = days.map((day, index) =>
    el('li', {
      class: `bar tone-${dayTone(day)}`,
      tabindex: index === days.length - 1 ? '0' : '-1',
      'aria-label': dayLabel(day, utcDate),
      'data-key': `${siteId}/${day.dayStartMs}`,
    }),
  );
  const list = el(
    'ol',
    { class: 'bars', 'aria-label': `Daily uptime, last ${days.length} days (UTC days)` },
    ...bars,
  );
  const axis = el(
    'p',
    { class: 'bars-axis', 'aria-hidden': 'true' },
    el('span', {}, `${days.length} days ago`),
    el('span', {}, 'today (UTC)'),
  );
  const wrapper = el('div', { class: 'bars-wrap' }, list, axis, tip);

  const show = (bar: HTMLElement): void => {
    tip.textContent = bar.getAttribute('aria-label');
    tip.classList.add('shown');
    // Centred over the bar, kept inside the card.
    const room = wrapper.clientWidth - tip.offsetWidth;
    const centre = bar.offsetLeft + bar.offsetWidth / 2 - tip.offsetWidth / 2;
    tip.style.left = `${Math.max(0, Math.min(room, centre))}px`;
  };
  const hide = (): void => {
    if (!wrapper.contains(document.activeElement)) tip.classList.remove('shown');
  };
  list.addEventListener('focusin', (event) => show(event.target as HTMLElement));
  list.addEventListener('focusout', () => tip.classList.remove('shown'));
  list.addEventListener('mouseover', (event) => {
    if ((event.target as HTMLElement).classList.contains('bar')) show(event.target as HTMLElement);
  });
  list.addEventListener('mouseleave', () => {
    const focused = document.activeElement;
    if (focused instanceof HTMLElement && list.contains(focused)) show(focused);
    else hide();
  });
  list.addEventListener('keydown', (event) => {
    const step = KEY_STEPS[event.key];
    const index = bars.indexOf(event.target as HTMLLIElement);
    if (step === undefined || index < 0) return;
    const next = bars[Math.max(0, Math.min(bars.length - 1, step(index, bars.length - 1)))];
    if (next === undefined) return;
    event.preventDefault();
    for (const bar of bars) bar.tabIndex = bar === next ? 0 : -1;
    next.focus();
  });
  return wrapper;
}
