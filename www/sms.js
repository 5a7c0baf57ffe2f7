// sms.js -- the SMS text as the daemon prepares it (daemon/sms.c), for the
// live counter of the compose screen: GSM-7 / UCS-2 choice, the "không
// dấu" rendering (unicode "never": diacritics stripped, đ -> d, typographic
// look-alikes mapped, anything else '?'), characters, units and segments.
// The tables are daemon/sms.c's, the facts of shared/providers.md ("SMS
// text encoding"); tests/browser/console.py checks this file against the C
// code on a table of texts.  Pure functions, no DOM.

const GSM7_SINGLE = 160, GSM7_PART = 153, UCS2_SINGLE = 70, UCS2_PART = 67;

// GSM 03.38 basic set (0x1B, the escape, left out) and extension table.
const BASIC = new Set(Array.from(
	'@\u00A3$\u00A5\u00E8\u00E9\u00F9\u00EC\u00F2\u00C7\n\u00D8\u00F8\r\u00C5\u00E5' +
	'\u0394_\u03A6\u0393\u039B\u03A9\u03A0\u03A8\u03A3\u0398\u039E\u00C6\u00E6\u00DF\u00C9' +
	' !"#\u00A4%&\'()*+,-./0123456789:;<=>?' +
	'\u00A1ABCDEFGHIJKLMNOPQRSTUVWXYZ\u00C4\u00D6\u00D1\u00DC\u00A7' +
	'\u00BFabcdefghijklmnopqrstuvwxyz\u00E4\u00F6\u00F1\u00FC\u00E0'));
const EXT = new Set(Array.from('\f^{}\\[~]|\u20AC'));

// What "never" writes for characters that are not GSM-7 even without
// their marks: [lo, hi, replacement]; "" drops the character.
const SUBST = [
	[0x0009, 0x0009, ' '], [0x00A0, 0x00A0, ' '], [0x00AD, 0x00AD, ''],
	[0x1680, 0x1680, ' '], [0x2000, 0x200A, ' '], [0x200B, 0x200D, ''],
	[0x2010, 0x2015, '-'], [0x2018, 0x201B, "'"], [0x201C, 0x201F, '"'],
	[0x2022, 0x2022, '*'], [0x2026, 0x2026, '...'], [0x202F, 0x202F, ' '],
	[0x2032, 0x2032, "'"], [0x2033, 0x2033, '"'], [0x205F, 0x205F, ' '],
	[0x2060, 0x2060, ''], [0x2212, 0x2212, '-'], [0x3000, 0x3000, ' '],
	[0xFE00, 0xFE0F, ''], [0xFEFF, 0xFEFF, ''],
];

// Septets of the character ch: 1 (basic), 2 (extension) or 0 (not GSM-7).
export function septets(ch) {
	if (BASIC.has(ch))
		return 1;
	return EXT.has(ch) ? 2 : 0;
}

function substOf(cp) {
	for (const [lo, hi, to] of SUBST)
		if (cp >= lo && cp <= hi)
			return to;
	return null;
}

// One character that is not plain GSM-7 ASCII, "không dấu": its canonical
// decomposition without U+0300..U+036F, đ/Đ as d/D, each part kept when
// GSM-7, else substituted, else '?'.
function strip(ch) {
	let out = '';
	for (let d of Array.from(ch.normalize('NFD'))) {
		const cp = d.codePointAt(0);
		if (cp >= 0x0300 && cp <= 0x036F)
			continue;
		if (cp === 0x0111)
			d = 'd';
		else if (cp === 0x0110)
			d = 'D';
		if (septets(d))
			out += d;
		else {
			const s = substOf(d.codePointAt(0));
			out += s !== null ? s : '?';
		}
	}
	return out;
}

// The GSM-7 "không dấu" rendering of text (NFC first).  ASCII GSM-7
// characters stay; every other one goes through strip(), so à and ầ both
// lose their marks while € £ Ø ß stay.
export function khongDau(text) {
	let out = '';
	for (const ch of Array.from(text.normalize('NFC'))) {
		const cp = ch.codePointAt(0);
		out += cp < 0x80 && septets(ch) ? ch : strip(ch);
	}
	return out;
}

export function isGsm7(text) {
	for (const ch of Array.from(text))
		if (!septets(ch))
			return false;
	return true;
}

// loa_sms_count(): units are septets (extension 2, non-GSM 1) or UTF-16
// units; a long text is cut greedily into parts where a 2-unit character
// that does not fit starts the next part.
export function count(text, encoding) {
	const ucs2 = encoding === 'ucs2';
	const single = ucs2 ? UCS2_SINGLE : GSM7_SINGLE;
	const part = ucs2 ? UCS2_PART : GSM7_PART;
	let chars = 0, units = 0, fill = 0, parts = 0;
	for (const ch of Array.from(text)) {
		let w;
		if (ucs2)
			w = ch.codePointAt(0) > 0xFFFF ? 2 : 1;
		else
			w = septets(ch) || 1;
		if (parts === 0 || fill + w > part) {
			parts++;
			fill = 0;
		}
		fill += w;
		chars++;
		units += w;
	}
	const segments = units === 0 ? 0 : units <= single ? 1 : parts;
	return { encoding, chars, units, segments };
}

// loa_sms_prepare(): the text a resident gets under the job's sms.unicode
// (never, auto, always; anything else is auto), with its count.
export function prepare(text, mode) {
	const nfc = text.normalize('NFC');
	let out = nfc, enc;
	if (mode === 'never') {
		out = khongDau(nfc);
		enc = 'gsm7';
	} else if (mode === 'always')
		enc = 'ucs2';
	else
		enc = isGsm7(nfc) ? 'gsm7' : 'ucs2';
	return Object.assign({ text: out }, count(out, enc));
}

// For searching names: no marks, no case ("Phường Hoàn Kiếm" matches
// "hoan kiem").
export function fold(s) {
	return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '')
	    .replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();
}
