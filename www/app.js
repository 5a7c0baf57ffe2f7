// app.js -- the officials' console: a small single-page application over
// the daemon's /v1 API, no framework, no build step.
//
// Screens (location.hash): #login, #compose, #queue, #jobs, #job/<id>,
// #inbox[/ward=<code>&job=<id>], #providers and #audit (admins), #password (the only one while the
// account's one-time password is still to be changed: must_change).  The session is the daemon's cookie
// (HttpOnly: this script never sees it); every request that changes
// something carries X-CSRF-Token, the value POST and GET /v1/session
// return.  A 401 anywhere leads back to the login screen.
//
// Everything from the server or the official is put in the page as text
// (textContent, attributes through setAttribute), never as HTML: names of
// wards, job ids, reasons and audit lines are data.  The CSP of the page
// allows no inline script or style; the chart is SVG with attributes.
//
// Vietnamese first; the English toggle swaps the texts marked data-i18n
// and the messages of T below, and is remembered in localStorage.

import * as sms from './sms.js';

const POLL_MS = 2000;
const TERMINAL = new Set(['done', 'cancelled', 'rejected',
    'rejected_by_approver', 'expired']);
const STATUSES = ['delivered', 'sent', 'failed', 'skipped', 'expired',
    'cancelled'];
const NAME_RE = /^[A-Za-z0-9._-]{1,128}$/;

// English for the data-i18n keys and the script's messages; the
// Vietnamese is the page's own text (kept in data-vi on first switch) and
// the vi column here.
const T = {
	brand: ['Bảng điều khiển phường', 'Ward office console'],
	nav_compose: ['Soạn tin', 'Compose'],
	nav_queue: ['Chờ duyệt', 'Approvals'],
	nav_jobs: ['Tin đã gửi', 'Notices'],
	nav_providers: ['Nhà mạng', 'Providers'],
	nav_audit: ['Nhật ký', 'Audit'],
	logout: ['Đăng xuất', 'Log out'],
	login_title: ['Đăng nhập', 'Log in'],
	login_user: ['Tên đăng nhập', 'User name'],
	login_password: ['Mật khẩu', 'Password'],
	login_submit: ['Đăng nhập', 'Log in'],
	compose_title: ['Soạn thông báo', 'Compose a notice'],
	f_audience: ['Người nhận', 'Recipients'],
	f_wards: ['Phường / xã (tìm theo tên)', 'Wards (search by name)'],
	f_wards_ph: ['Gõ tên phường, ví dụ: hoan kiem', 'Type a ward name, e.g. hoan kiem'],
	f_channels: ['Kênh gửi', 'Channels'],
	f_channels_hint: ['Zalo trước, SMS khi không gửi được Zalo.', 'Zalo first, SMS when Zalo cannot reach.'],
	f_sender: ['Người gửi ({{sender}})', 'Sender ({{sender}})'],
	f_sender_ph: ['UBND phường …', 'Ward People’s Committee …'],
	f_text: ['Nội dung', 'Text'],
	f_unicode: ['Dấu tiếng Việt', 'Vietnamese marks'],
	u_never: ['Không dấu (GSM-7, rẻ nhất)', 'Without marks (GSM-7, cheapest)'],
	u_auto: ['Tự động', 'Automatic'],
	u_always: ['Có dấu (UCS-2)', 'With marks (UCS-2)'],
	f_max_segments: ['Tối đa số tin', 'At most segments'],
	f_render: ['Người dân nhận được:', 'Residents receive:'],
	f_template: ['Mã mẫu (template_id)', 'Template id'],
	f_fields: ['Trường của mẫu', 'Template fields'],
	f_add_field: ['+ Thêm trường', '+ Add a field'],
	f_more: ['Biến, ưu tiên, thời gian', 'Variables, priority, times'],
	f_vars: ['Biến của tin ({{ten_bien}})', 'Variables ({{name}})'],
	f_add_var: ['+ Thêm biến', '+ Add a variable'],
	f_priority: ['Mức ưu tiên', 'Priority'],
	p_normal: ['Thường', 'Normal'],
	p_urgent: ['Khẩn', 'Urgent'],
	p_bulk: ['Hàng loạt', 'Bulk'],
	f_send_at: ['Gửi lúc (giờ Hà Nội)', 'Send at (Hanoi time)'],
	f_expires_at: ['Hết hạn lúc', 'Expires at'],
	f_id: ['Mã tin (để trống: tự đặt)', 'Notice id (empty: made for you)'],
	preview: ['Xem trước', 'Preview'],
	submit: ['Gửi tin', 'Submit'],
	queue_title: ['Tin chờ duyệt', 'Waiting for approval'],
	jobs_title: ['Tin đã gửi', 'Notices'],
	job_title: ['Tin', 'Notice'],
	job_state: ['Trạng thái', 'State'],
	approve: ['Duyệt', 'Approve'],
	reject: ['Từ chối', 'Reject'],
	cancel: ['Huỷ tin', 'Cancel'],
	retry: ['Gửi lại người lỗi', 'Retry failed'],
	report: ['Tải báo cáo (CSV)', 'Download report (CSV)'],
	reject_reason: ['Lý do từ chối', 'Reason'],
	reject_send: ['Xác nhận từ chối', 'Reject'],
	providers_title: ['Nhà mạng', 'Providers'],
	audit_title: ['Nhật ký thao tác', 'Audit trail'],
	audit_actor: ['Người thực hiện', 'Actor'],
	audit_since: ['Từ lúc', 'Since'],
	audit_go: ['Xem', 'Show'],
	foot: ['Loa — thông báo đến người dân Hà Nội qua Zalo và SMS.', 'Loa — notices to Hanoi residents by Zalo and SMS.'],
	// Messages of the script.
	m_count: ['{chars} ký tự · {segments} tin · {enc}', '{chars} characters · {segments} segments · {enc}'],
	m_count_over: [' — quá {max} tin', ' — over {max} segments'],
	m_count_vars: [' (chưa tính biến)', ' (variables not filled in)'],
	m_no_wards: ['Chưa có danh sách phường (GET /v1/wards): gõ mã phường rồi Enter.', 'No ward list (GET /v1/wards): type a ward code and Enter.'],
	m_need_ward: ['Chọn ít nhất một phường.', 'Choose at least one ward.'],
	m_need_channel: ['Chọn ít nhất một kênh.', 'Choose at least one channel.'],
	m_need_text: ['Nhập nội dung SMS.', 'Write the SMS text.'],
	m_need_template: ['Nhập mã mẫu Zalo.', 'Give the Zalo template id.'],
	m_bad_id: ['Mã tin chỉ gồm chữ, số, . _ - (tối đa 128).', 'An id is letters, digits, . _ - (at most 128).'],
	m_submitted: ['Đã gửi tin {id}.', 'Submitted {id}.'],
	m_not_yet: ['{what}: chức năng này chưa có trên máy chủ (404).', '{what}: the server does not offer this yet (404).'],
	m_forbidden: ['Không được phép (403): {msg}', 'Not allowed (403): {msg}'],
	m_error: ['Lỗi {status}: {msg}', 'Error {status}: {msg}'],
	m_network: ['Không kết nối được máy chủ.', 'Cannot reach the server.'],
	m_bad_login: ['Sai tên đăng nhập hoặc mật khẩu.', 'Wrong user name or password.'],
	m_locked: ['Tài khoản tạm khoá: thử lại sau.', 'Account locked for a while: try again later.'],
	m_empty: ['Không có gì.', 'Nothing here.'],
	m_waiting_job: ['Tin đang được tiếp nhận…', 'The notice is being accepted…'],
	m_approved: ['Đã duyệt.', 'Approved.'],
	m_rejected: ['Đã từ chối.', 'Rejected.'],
	m_cancelled: ['Đã huỷ.', 'Cancelled.'],
	m_retried: ['Đã gửi lại: {n}.', 'Retried: {n}.'],
	m_need_reason: ['Nhập lý do.', 'Give a reason.'],
	m_paused: ['tạm dừng', 'paused'],
	m_running: ['đang chạy', 'running'],
	m_pause: ['Tạm dừng', 'Pause'],
	m_resume: ['Chạy lại', 'Resume'],
	m_remove: ['Bỏ', 'Remove'],
	m_key: ['tên', 'name'],
	m_value: ['giá trị', 'value'],
	h_ward: ['Phường', 'Ward'], h_recipients: ['Người nhận', 'Recipients'],
	h_skipped: ['Bỏ qua', 'Skipped'], h_channel: ['Kênh', 'Channel'],
	h_tried: ['Thử', 'Tried'], h_sent: ['Sẽ gửi', 'Sent'],
	h_segments: ['Số tin', 'Segments'], h_too_long: ['Quá dài', 'Too long'],
	h_missing: ['Thiếu biến', 'Missing var'], h_longest: ['Dài nhất', 'Longest'],
	h_job: ['Mã tin', 'Id'], h_state: ['Trạng thái', 'State'],
	h_total: ['Tổng', 'Total'], h_created: ['Tạo lúc', 'Created'],
	h_by: ['Người soạn', 'Submitted by'], h_time: ['Thời gian', 'Time'],
	h_actor: ['Người', 'Actor'], h_action: ['Thao tác', 'Action'],
	h_target: ['Đối tượng', 'Target'], h_from: ['Từ', 'From'],
	h_detail: ['Ghi chú', 'Detail'], h_provider: ['Nhà mạng', 'Provider'],
	p_title: ['Xem trước: toàn bộ người nhận', 'Preview: the whole audience'],
	p_total: ['Người nhận: {n}', 'Recipients: {n}'],
	p_to_send: ['Sẽ gửi: {n}', 'To send: {n}'],
	p_skipped: ['Bỏ qua {n}: đã từ chối nhận {opted_out}, trùng số {duplicate}, số sai {bad_phone}, không có kênh {no_channel}', 'Skipped {n}: opted out {opted_out}, duplicate {duplicate}, bad phone {bad_phone}, no channel {no_channel}'],
	p_fail: ['Sẽ lỗi {n}: quá dài {too_long}, thiếu biến {missing_var}, chữ lỗi {bad_text}', 'Would fail {n}: too long {too_long}, missing variable {missing_var}, bad text {bad_text}'],
	p_cost: ['Chi phí ước tính: {total} ({segments} tin × {price}, {provider})', 'Estimated cost: {total} ({segments} segments × {price}, {provider})'],
	p_no_cost: ['Chi phí: nhà mạng chưa đặt giá (price_per_segment).', 'Cost: the provider sets no price_per_segment.'],
	p_rejected: ['Máy chủ sẽ từ chối tin này.', 'The daemon would reject this notice.'],
	p_sample: ['Tin mẫu', 'Sample message'],
	c_wards: ['Tiến độ theo phường', 'Progress per ward'],
	c_channels: ['Tiến độ theo kênh', 'Progress per channel'],
	s_delivered: ['đã nhận', 'delivered'], s_sent: ['đã gửi', 'sent'],
	s_failed: ['lỗi', 'failed'], s_skipped: ['bỏ qua', 'skipped'],
	s_expired: ['hết hạn', 'expired'], s_cancelled: ['đã huỷ', 'cancelled'],
	s_rest: ['đang chờ', 'waiting'],
	p_unknown_wards: ['Không có phường: ', 'Unknown wards: '],
	p_longest: ['{segments} tin × {enc}, {chars} ký tự', '{segments} segments × {enc}, {chars} characters'],
	m_daemon: ['Máy chủ không nhận: ', 'The daemon refuses: '],
	// The API's codes as the page shows them (the code itself in the
	// element's title, for a word with the operator).
	r_drafter: ['người soạn', 'drafter'], r_approver: ['người duyệt', 'approver'],
	r_admin: ['quản trị', 'admin'],
	st_scheduled: ['Hẹn giờ', 'Scheduled'], st_queued: ['Trong hàng đợi', 'Queued'],
	st_expanding: ['Đang lập danh sách', 'Expanding'], st_sending: ['Đang gửi', 'Sending'],
	st_done: ['Xong', 'Done'], st_cancelled: ['Đã huỷ', 'Cancelled'],
	st_expired: ['Hết hạn', 'Expired'], st_rejected: ['Máy chủ từ chối', 'Rejected'],
	st_awaiting_approval: ['Chờ duyệt', 'Awaiting approval'],
	st_rejected_by_approver: ['Không được duyệt', 'Rejected by the approver'],
	k_total: ['Tổng số người', 'Total'], k_queued: ['Chờ gửi', 'Queued'],
	k_sent: ['Đã gửi', 'Sent'], k_delivered: ['Đã nhận', 'Delivered'],
	k_failed: ['Gửi lỗi', 'Failed'], k_skipped: ['Bỏ qua', 'Skipped'],
	k_expired: ['Hết hạn', 'Expired'], k_cancelled: ['Đã huỷ', 'Cancelled'],
	k_priority: ['Mức ưu tiên', 'Priority'], k_created_at: ['Tạo lúc', 'Created at'],
	k_finished_at: ['Xong lúc', 'Finished at'], k_submitted_by: ['Người soạn', 'Submitted by'],
	k_approved_by: ['Người duyệt', 'Approved by'], k_rejected_by: ['Người từ chối', 'Rejected by'],
	k_reject_reason: ['Lý do từ chối', 'Reason'], k_approval_deadline: ['Hạn duyệt', 'Approval deadline'],
	k_error: ['Lỗi của máy chủ', 'Error'],
	a_login: ['Đăng nhập', 'Log in'], a_login_failed: ['Đăng nhập sai', 'Failed login'],
	a_logout: ['Đăng xuất', 'Log out'], a_submit: ['Gửi tin', 'Submit'],
	a_approve: ['Duyệt tin', 'Approve'], a_reject: ['Từ chối tin', 'Reject'],
	a_cancel: ['Huỷ tin', 'Cancel'], a_retry: ['Gửi lại người lỗi', 'Retry'],
	a_import: ['Nhập danh sách dân', 'Import'], a_optout: ['Ghi từ chối nhận tin', 'Opt-out'],
	a_user_add: ['Thêm tài khoản', 'Add account'], a_user_disable: ['Khoá tài khoản', 'Disable account'],
	a_user_passwd: ['Đổi mật khẩu', 'Change password'], a_token_add: ['Cấp mã truy cập', 'Add token'],
	a_token_revoke: ['Thu hồi mã truy cập', 'Revoke token'],
	a_provider_pause: ['Tạm dừng nhà mạng', 'Pause provider'],
	a_provider_resume: ['Chạy lại nhà mạng', 'Resume provider'],
	a_reload: ['Nạp lại cấu hình', 'Reload'], a_denied: ['Bị từ chối quyền', 'Denied'],
};

// Channels are names, not words: the same in both languages.
const CHANNEL = { sms: 'SMS', zalo: 'Zalo' };
const chanName = (c) => CHANNEL[c] || c;

// A code of the API (prefix + code in T) as a word, the code in title;
// an unknown code as itself.
function coded(prefix, code, tag) {
	const k = prefix + code;
	return el(tag || 'span', { title: code, 'data-code': code },
	    T[k] ? t(k) : code);
}

// Data as the page shows it: never translated (names, ids, codes, the
// officials' own texts).
const data = (tag, attrs, ...kids) =>
    el(tag, Object.assign({ translate: 'no' }, attrs), ...kids);

let lang = localStorage.getItem('loa.lang') === 'en' ? 1 : 0;
let session = null;		// {user, role, csrf, ...} of /v1/session
let wards = null;		// [{code, name, district}] or [] when unknown
let wardsMissing = false;
const chosen = new Map();	// code -> ward, in the order chosen
let pollTimer = null;
let currentJob = null;
let previewedJob = null;	// the waiting job whose preview was asked

const $ = (id) => document.getElementById(id);

function t(key, vars) {
	const e = T[key];
	let s = e ? e[lang] : key;
	if (vars)
		s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
	return s;
}

// An element with attributes and children (strings become text nodes).
function el(tag, attrs, ...kids) {
	const svg = ['svg', 'rect', 'text', 'g', 'title'].includes(tag);
	const n = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag)
	    : document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === undefined || v === null || v === false)
			continue;
		if (k === 'on')
			for (const [ev, fn] of Object.entries(v))
				n.addEventListener(ev, fn);
		else
			n.setAttribute(k, v === true ? '' : String(v));
	}
	for (const k of kids.flat())
		if (k !== null && k !== undefined && k !== false)
			n.append(k instanceof Node ? k : String(k));
	return n;
}

function table(heads, rows) {
	return el('div', { class: 'table-wrap' }, el('table', {},
	    el('thead', {}, el('tr', {}, heads.map(([h, cls]) =>
		el('th', { class: cls }, h)))),
	    el('tbody', {}, rows)));
}

function flash(msg, bad) {
	const f = $('flash');
	f.textContent = msg;
	f.classList.toggle('bad', !!bad);
	f.hidden = !msg;
}

// ---- the API --------------------------------------------------------

// fetch with the session's CSRF token on every non-GET; returns
// {status, data} (data: the parsed JSON, or the text), status 0 when the
// server cannot be reached.
async function api(method, path, body) {
	const headers = { Accept: 'application/json' };
	if (method !== 'GET' && session && session.csrf)
		headers['X-CSRF-Token'] = session.csrf;
	if (body !== undefined)
		headers['Content-Type'] = 'application/json';
	let r;
	try {
		r = await fetch(path, { method, headers, credentials: 'same-origin',
		    cache: 'no-store', body: body === undefined ? undefined :
		    typeof body === 'string' ? body : JSON.stringify(body) });
	} catch (e) {
		return { status: 0, data: { error: t('m_network') } };
	}
	let data = null;
	const ct = r.headers.get('content-type') || '';
	try {
		data = ct.includes('json') ? await r.json() : await r.text();
	} catch (e) {
		data = null;
	}
	if (r.status === 401 && path !== '/v1/session' &&
	    path !== PW_PATH && session) {
		session = null;
		showLoggedOut();
	}
	return { status: r.status, data };
}

function errOf(res) {
	const d = res.data;
	return d && typeof d === 'object' && typeof d.error === 'string' ?
	    d.error : typeof d === 'string' && d ? d.slice(0, 200) :
	    'HTTP ' + res.status;
}

// A one-line message for a failed call: 404 of a route another part of
// Loa has not shipped yet says so plainly.
function failMsg(res, what) {
	if (res.status === 404 && /no such path/.test(errOf(res)))
		return t('m_not_yet', { what });
	if (res.status === 403)
		return t('m_forbidden', { msg: errOf(res) });
	if (res.status === 0)
		return t('m_network');
	return t('m_error', { status: res.status, msg: errOf(res) });
}

function listOf(data, key) {
	if (Array.isArray(data))
		return data;
	if (data && Array.isArray(data[key]))
		return data[key];
	return [];
}

// ---- language -------------------------------------------------------

function applyLang() {
	document.documentElement.lang = lang ? 'en' : 'vi';
	for (const n of document.querySelectorAll('[data-i18n]')) {
		const e = T[n.dataset.i18n];
		if (e)
			n.textContent = e[lang];
	}
	for (const n of document.querySelectorAll('[data-i18n-ph]')) {
		const e = T[n.dataset.i18nPh];
		if (e)
			n.setAttribute('placeholder', e[lang]);
	}
	$('lang').textContent = lang ? 'Tiếng Việt' : 'English';
	$('lang').setAttribute('lang', lang ? 'vi' : 'en');
	updateCount();
}

// ---- session --------------------------------------------------------

function showLoggedOut() {
	stopPoll();
	document.body.classList.remove('admin');
	$('nav').hidden = true;
	$('pw-link').hidden = true;
	$('logout').hidden = true;
	$('who-name').textContent = '';
	location.hash = '#login';
	route();
}

function showLoggedIn() {
	$('nav').hidden = pwMustChange();
	$('pw-link').hidden = pwMustChange();
	$('logout').hidden = false;
	const role = session.role || '';
	$('who-name').replaceChildren(data('span', {}, session.user),
	    role ? ' · ' : '', role ? coded('r_', role) : '');
	document.body.classList.toggle('admin', role === 'admin');
	if (!pwMustChange())
		loadWards();
}

async function login(ev) {
	ev.preventDefault();
	$('login-error').textContent = '';
	const res = await api('POST', '/v1/session', {
		user: $('login-user').value, password: $('login-password').value });
	$('login-password').value = '';
	if (res.status === 200 && res.data && typeof res.data === 'object') {
		session = res.data;
		if (!session.user)
			session.user = $('login-user').value;
		showLoggedIn();
		location.hash = '#compose';
		route();
		return;
	}
	$('login-error').textContent = res.status === 401 ? t('m_bad_login') :
	    res.status === 429 || res.status === 423 ? t('m_locked') :
	    failMsg(res, 'POST /v1/session');
}

async function logout() {
	await api('DELETE', '/v1/session');
	session = null;
	wards = null;
	resetCompose();		/* the next official sees nothing of this one's */
	showLoggedOut();
}

// ---- screens --------------------------------------------------------

const SCREENS = ['login', 'compose', 'queue', 'jobs', 'job', 'inbox',
    'providers', 'audit', 'password'];

function route() {
	const h = location.hash.replace(/^#/, '');
	let [name, arg] = h.split('/', 2);
	if (!session)
		name = 'login';
	else if (pwMustChange())
		name = 'password';
	else if (!SCREENS.includes(name) || name === 'login')
		name = 'compose';
	stopPoll();
	flash('');
	for (const s of SCREENS)
		$('screen-' + s).hidden = s !== name;
	for (const a of document.querySelectorAll('#nav a'))
		a.classList.toggle('active', a.getAttribute('href') === '#' + name);
	if (name === 'queue')
		loadList('queue-list', '/v1/jobs?state=awaiting_approval&limit=100');
	else if (name === 'jobs')
		loadList('jobs-list', '/v1/jobs?limit=100');
	else if (name === 'job')
		openJob(decodeURIComponent(arg || ''));
	else if (name === 'inbox')
		openInbox(arg);
	else if (name === 'providers')
		loadProviders();
	else if (name === 'audit')
		loadAudit();
	else if (name === 'login')
		$('login-user').focus();
	else if (name === 'password')
		pwShow();
}

// ---- compose: wards -------------------------------------------------

async function loadWards() {
	if (wards !== null)
		return;
	const res = await api('GET', '/v1/wards');
	if (res.status === 200) {
		wards = listOf(res.data, 'wards').filter((w) => w && w.code);
		for (const w of wards)
			w.key = sms.fold((w.name || '') + ' ' + w.code + ' ' +
			    (w.district || ''));
		wardsMissing = false;
	} else {
		wards = [];
		wardsMissing = true;
	}
}

function wardMatches(q) {
	const f = sms.fold(q.trim());
	if (!f || !wards)
		return [];
	const words = f.split(/\s+/);
	return wards.filter((w) => !chosen.has(w.code) &&
	    words.every((x) => w.key.includes(x))).slice(0, 20);
}

let suggestAt = -1;

function showSuggest() {
	const q = $('ward-search').value;
	const list = $('ward-list');
	list.replaceChildren();
	suggestAt = -1;
	const found = wardMatches(q);
	if (wardsMissing && q.trim())
		setFieldError('audience', t('m_no_wards'));
	for (const w of found)
		list.append(data('li', { role: 'option', 'data-code': w.code,
		    on: { mousedown: (e) => { e.preventDefault(); addWard(w); } } },
		    w.name || w.code, el('small', {}, w.code +
		    (w.district ? ' · ' + w.district : ''))));
	list.hidden = found.length === 0;
	$('ward-search').setAttribute('aria-expanded', String(!list.hidden));
}

function addWard(w) {
	chosen.set(w.code, w);
	$('ward-search').value = '';
	$('ward-list').hidden = true;
	setFieldError('audience', '');
	drawChips();
}

function drawChips() {
	const ul = $('ward-chips');
	ul.replaceChildren();
	for (const [code, w] of chosen)
		ul.append(data('li', { 'data-code': code }, (w.name || code) +
		    (w.name ? ' (' + code + ')' : ''),
		    el('button', { type: 'button', 'aria-label': t('m_remove') + ' ' + code,
			on: { click: () => { chosen.delete(code); drawChips(); } } }, '×')));
}

function searchKey(ev) {
	const items = [...$('ward-list').children];
	if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
		ev.preventDefault();
		if (!items.length)
			return;
		suggestAt = (suggestAt + (ev.key === 'ArrowDown' ? 1 : -1) +
		    items.length) % items.length;
		items.forEach((li, i) => li.setAttribute('aria-selected',
		    String(i === suggestAt)));
	} else if (ev.key === 'Enter') {
		ev.preventDefault();
		const li = items[suggestAt >= 0 ? suggestAt : 0];
		if (li) {
			addWard(wards.find((w) => w.code === li.dataset.code));
			return;
		}
		// Without a ward list, a code typed whole.
		const code = $('ward-search').value.trim();
		if (wardsMissing && NAME_RE.test(code))
			addWard({ code });
	} else if (ev.key === 'Escape')
		$('ward-list').hidden = true;
}

// ---- compose: key/value rows ----------------------------------------

function addPair(box, k, v) {
	const row = el('div', { class: 'pair' },
	    el('input', { class: 'k', maxlength: 64, placeholder: t('m_key'),
		'aria-label': t('m_key'), value: k || '' }),
	    el('input', { class: 'v', maxlength: 2000, placeholder: t('m_value'),
		'aria-label': t('m_value'), value: v || '' }),
	    el('button', { type: 'button', 'aria-label': t('m_remove'),
		on: { click: () => { row.remove(); updateCount(); } } }, '×'));
	row.addEventListener('input', updateCount);
	$(box).append(row);
	return row;
}

function pairs(box) {
	const o = {};
	for (const row of $(box).querySelectorAll('.pair')) {
		const k = row.querySelector('.k').value.trim();
		if (k)
			o[k] = row.querySelector('.v').value;
	}
	return o;
}

// ---- compose: the live SMS count ------------------------------------

// The text as far as the form tells it: {{sender}} and the job's vars
// filled in (the residents' own variables are for the preview).
function textFilled() {
	const vars = Object.assign(pairs('vars'), { sender: $('sender').value });
	let unfilled = false;
	const out = $('sms-text').value.replace(/\{\{\{\{/g, '\u0000')
	    .replace(/\{\{\s*([A-Za-z0-9_.-]+)\s*(?:\|([^}]*))?\}\}/g,
		(m, name, dflt) => {
			if (name in vars && vars[name] !== '')
				return vars[name];
			if (dflt !== undefined)
				return dflt;
			unfilled = true;
			return m;
		}).replace(/\u0000/g, '{{');
	return { text: out, unfilled };
}

function updateCount() {
	if (!$('sms-text'))
		return;
	const { text, unfilled } = textFilled();
	const mode = $('sms-unicode').value;
	const p = sms.prepare(text, mode);
	const max = parseInt($('sms-max').value, 10) || 0;
	let s = t('m_count', { chars: p.chars, segments: p.segments,
	    enc: p.encoding === 'gsm7' ? 'GSM-7' : 'UCS-2' });
	const over = max > 0 && p.segments > max;
	if (over)
		s += t('m_count_over', { max });
	if (unfilled)
		s += t('m_count_vars');
	const c = $('sms-count');
	c.textContent = s;
	c.classList.toggle('over', over);
	c.dataset.chars = p.chars;
	c.dataset.segments = p.segments;
	c.dataset.encoding = p.encoding;
	$('sms-render').textContent = p.text;
}

// ---- compose: the job -----------------------------------------------

// "2026-11-28T07:00" (datetime-local, read as Hanoi time) -> RFC 3339.
function hanoiTime(v) {
	if (!v)
		return undefined;
	return (v.length === 16 ? v + ':00' : v) + '+07:00';
}

function newId() {
	const d = new Date(Date.now() + 7 * 3600 * 1000);
	const ymd = d.toISOString().slice(0, 19).replace(/[-:]/g, '')
	    .replace('T', '-');
	const r = new Uint8Array(3);
	crypto.getRandomValues(r);
	return 'web-' + ymd + '-' + [...r].map((b) =>
	    b.toString(16).padStart(2, '0')).join('');
}

function channels() {
	const c = [];
	if ($('ch-zalo').checked)
		c.push('zalo');
	if ($('ch-sms').checked)
		c.push('sms');
	return c;
}

function setFieldError(field, msg) {
	const p = document.querySelector('.field-error[data-for="' + field + '"]');
	if (p)
		p.textContent = msg;
}

function clearErrors() {
	for (const p of document.querySelectorAll('#compose-form .field-error'))
		p.textContent = '';
	for (const n of document.querySelectorAll('#compose-form .invalid'))
		n.classList.remove('invalid');
}

// The field a daemon's message is about: its first word ("sms.text:
// want …", "audience: unknown ward …", "expires_at: not after send_at").
const FIELD_OF = [
	[/^sms\.max_segments\b/, 'sms.max_segments', 'sms-max'],
	[/^(sms|sms\.[a-z_]+)\b|\{\{/, 'sms', 'sms-text'],
	[/^zalo\b/, 'zalo', 'zalo-template'],
	[/^(audience|ward|district|recipients)\b/, 'audience', 'ward-search'],
	[/^channels?\b/, 'channels', null],
	[/^send_at\b/, 'send_at', 'send-at'],
	[/^expires_at\b/, 'expires_at', 'expires-at'],
	[/^priority\b/, 'priority', 'priority'],
	[/^sender\b/, 'sender', 'sender'],
	[/^vars\b/, 'vars', null],
	[/^(id|job id)\b/, 'id', 'job-id'],
];

// The daemon's message is English: said so (lang), after a word of ours.
function showDaemonError(msg) {
	let field = '_';
	for (const [re, f, input] of FIELD_OF) {
		if (re.test(msg)) {
			field = f;
			if (input)
				$(input).classList.add('invalid');
			break;
		}
	}
	const p = document.querySelector('.field-error[data-for="' + field + '"]');
	if (p)
		p.replaceChildren(t('m_daemon'), data('span', { lang: 'en' }, msg));
}

// The job of the form, or null with the mistakes shown by their fields.
function buildJob() {
	clearErrors();
	const job = {};
	let ok = true;
	const id = $('job-id').value.trim();
	if (id && !NAME_RE.test(id)) {
		setFieldError('id', t('m_bad_id'));
		ok = false;
	}
	job.id = id || newId();
	job.priority = $('priority').value;
	if ($('sender').value)
		job.sender = $('sender').value;
	job.channels = channels();
	if (!job.channels.length) {
		setFieldError('channels', t('m_need_channel'));
		ok = false;
	}
	if (!chosen.size) {
		setFieldError('audience', t('m_need_ward'));
		ok = false;
	}
	job.audience = { wards: [...chosen.keys()] };
	if (job.channels.includes('sms')) {
		if (!$('sms-text').value.trim()) {
			setFieldError('sms', t('m_need_text'));
			ok = false;
		}
		job.sms = { text: $('sms-text').value,
		    unicode: $('sms-unicode').value };
		const max = parseInt($('sms-max').value, 10);
		if (!isNaN(max))
			job.sms.max_segments = max;
	}
	if (job.channels.includes('zalo')) {
		if (!$('zalo-template').value.trim()) {
			setFieldError('zalo', t('m_need_template'));
			ok = false;
		}
		job.zalo = { template_id: $('zalo-template').value.trim(),
		    data: pairs('zalo-fields') };
	}
	const vars = pairs('vars');
	if (Object.keys(vars).length)
		job.vars = vars;
	const sa = hanoiTime($('send-at').value);
	const ea = hanoiTime($('expires-at').value);
	if (sa)
		job.send_at = sa;
	if (ea)
		job.expires_at = ea;
	if (!id)
		$('job-id').value = job.id;	/* preview and submit agree */
	return ok ? job : null;
}

async function doPreview() {
	const job = buildJob();
	if (!job)
		return;
	const out = $('preview-out');
	out.hidden = false;
	out.replaceChildren(el('p', { class: 'hint' }, '…'));
	const res = await api('POST', '/v1/preview', job);
	if (res.status === 400) {
		out.hidden = true;
		showDaemonError(errOf(res));
		return;
	}
	if (res.status !== 200 || !res.data || typeof res.data !== 'object') {
		out.replaceChildren(el('p', { class: 'field-error' },
		    failMsg(res, 'POST /v1/preview')));
		return;
	}
	out.replaceChildren(...previewNodes(res.data));
	out.scrollIntoView({ block: 'start' });
	if (res.data.ok === false && res.data.error)
		showDaemonError(String(res.data.error));
}

// What `loactl preview --json` prints, as the official reads it.
function previewNodes(p) {
	const n = [el('h2', {}, t('p_title'))];
	if (p.ok === false)
		n.push(el('p', { class: 'field-error' }, t('p_rejected'),
		    p.error ? [' ', data('span', { lang: 'en' }, p.error)] : ''));
	const a = p.audience || {};
	if (a.unknown_wards && a.unknown_wards.length)
		n.push(el('p', { class: 'field-error' }, t('p_unknown_wards'),
		    data('span', {}, a.unknown_wards.join(', '))));
	// The JSON of "loactl preview --json" (daemon/preview.c).
	const sk = a.skipped || {};
	n.push(el('p', { class: 'pv-total' }, t('p_total', { n: a.total ?? 0 }),
	    ' · ', t('p_to_send', { n: a.to_send ?? 0 })));
	n.push(el('p', { class: 'pv-skipped' }, t('p_skipped', {
		n: sk.total ?? 0, opted_out: sk.opted_out ?? 0,
		duplicate: sk.duplicate ?? 0, bad_phone: sk.bad_phone ?? 0,
		no_channel: sk.no_channel ?? 0 })));
	const aw = a.wards || [];
	if (aw.length)
		n.push(table([[t('h_ward')], [t('h_recipients'), 'num'],
		    [t('h_skipped'), 'num']], aw.map((w) => el('tr', {},
			data('td', {}, (w.name ? w.name + ' ' : '') + '(' + w.code + ')'),
			el('td', { class: 'num' }, w.residents ?? w.recipients ?? 0),
			el('td', { class: 'num' }, w.skipped ?? 0)))));
	const rs = p.renders || [];
	if (rs.length)
		n.push(table([[t('h_channel')], [t('h_tried'), 'num'],
		    [t('h_sent'), 'num'], [t('h_segments'), 'num'],
		    [t('h_too_long'), 'num'], [t('h_missing'), 'num'],
		    [t('h_longest')]], rs.map((r) => el('tr', {},
			el('td', { title: r.channel }, chanName(r.channel)),
			el('td', { class: 'num' }, r.tried ?? 0),
			el('td', { class: 'num' }, r.sent ?? 0),
			el('td', { class: 'num' }, r.segments ?? 0),
			el('td', { class: 'num' + (r.too_long ? ' bad-num' : '') },
			    r.too_long ?? 0),
			el('td', { class: 'num' + (r.missing_var ? ' bad-num' : '') },
			    r.missing_var ?? 0),
			el('td', {}, r.longest ? [t('p_longest', {
			    segments: r.longest.segments, chars: r.longest.chars,
			    enc: r.longest.encoding === 'gsm7' ? 'GSM-7' : 'UCS-2' }),
			    ' ', data('span', {}, '(' + (r.longest.id || '') + ' ' +
			    (r.longest.phone || '') + ')')] : '—')))));
	const wf = p.would_fail || {};
	n.push(el('p', { class: 'pv-fail' + (wf.total ? ' bad-num' : '') },
	    t('p_fail', { n: wf.total ?? 0, too_long: wf.too_long ?? 0,
		missing_var: wf.missing_var ?? 0, bad_text: wf.bad_text ?? 0 })));
	const c = p.cost;
	n.push(el('p', { class: 'pv-cost' }, c ? t('p_cost', { total: c.total,
	    segments: c.segments, price: c.price_per_segment,
	    provider: c.provider }) : t('p_no_cost')));
	const chans = p.channels || {};
	const sm = chans.sms || (Array.isArray(chans) ?
	    chans.find((x) => x.channel === 'sms') : null);
	if (sm && sm.text)
		n.push(el('h2', {}, t('p_sample')), data('pre', { class: 'render' },
		    sm.text));
	return n;
}

async function doSubmit(ev) {
	ev.preventDefault();
	const job = buildJob();
	if (!job)
		return;
	$('submit-btn').disabled = true;
	const res = await api('POST', '/v1/jobs', job);
	$('submit-btn').disabled = false;
	if (res.status === 202 || res.status === 200) {
		const id = (res.data && res.data.id) || job.id;
		resetCompose();
		location.hash = '#job/' + encodeURIComponent(id);
		flash(t('m_submitted', { id }));
		return;
	}
	if (res.status === 400 || res.status === 409 || res.status === 413)
		showDaemonError(errOf(res));
	else
		setFieldError('_', failMsg(res, 'POST /v1/jobs'));
}

function resetCompose() {
	$('compose-form').reset();
	$('job-id').value = '';
	chosen.clear();
	drawChips();
	$('preview-out').hidden = true;
	$('preview-out').replaceChildren();
	$('vars').replaceChildren();
	$('zalo-fields').replaceChildren();
	addPair('vars', 'body', '');
	addPair('zalo-fields', '', '');
	syncChannels();
	updateCount();
}

function syncChannels() {
	$('sms-box').hidden = !$('ch-sms').checked;
	$('zalo-box').hidden = !$('ch-zalo').checked;
}

// ---- lists ----------------------------------------------------------

// A ward's name from GET /v1/wards, or its code.
function wardName(code) {
	const w = wards && wards.find((x) => x.code === code);
	return w && w.name ? w.name : code;
}

function stateBadge(s) {
	const b = coded('st_', s || '?');
	b.setAttribute('class', 'state ' + (s || ''));
	return b;
}

function jobsTable(list) {
	return table([[t('h_job')], [t('h_state')], [t('h_total'), 'num'],
	    [t('h_by')], [t('h_created')]], list.map((j) => el('tr', {},
		el('td', {}, data('a', { href: '#job/' + encodeURIComponent(j.job) },
		    j.job)),
		el('td', {}, stateBadge(j.state)),
		el('td', { class: 'num' }, j.total ?? ''),
		data('td', {}, j.submitted_by || ''),
		el('td', {}, j.created_at || ''))));
}

// The list GET path answers (an array, or the array under key), or null
// when there is nothing to draw: the failure or "nothing" is in box then.
async function fetchList(box, path, key) {
	const res = await api('GET', path);
	let list = [];
	if (res.status !== 200)
		$(box).replaceChildren(el('p', { class: 'field-error' },
		    failMsg(res, 'GET ' + path.replace(/\?.*/, ''))));
	else if (!(list = listOf(res.data, key)).length)
		$(box).replaceChildren(el('p', { class: 'hint' }, t('m_empty')));
	return list.length ? list : null;
}

// A list of jobs (GET /v1/jobs, maybe of one state) into box.
async function loadList(box, path) {
	const list = await fetchList(box, path, 'jobs');
	if (list)
		$(box).replaceChildren(jobsTable(list));
}

// ---- one job --------------------------------------------------------

function stopPoll() {
	if (pollTimer !== null)
		clearTimeout(pollTimer);
	pollTimer = null;
}

function openJob(id) {
	currentJob = id;
	$('job-id-title').textContent = id;
	$('job-state').textContent = '';
	$('job-facts').replaceChildren();
	$('job-progress').replaceChildren();
	$('job-error').textContent = '';
	$('reject-box').hidden = true;
	$('job-preview').hidden = true;
	$('job-preview').replaceChildren();
	previewedJob = null;
	for (const b of ['job-approve', 'job-reject', 'job-cancel', 'job-retry'])
		$(b).hidden = true;
	$('job-report').setAttribute('href', '/v1/jobs/' +
	    encodeURIComponent(id) + '/report.csv');
	$('job-report').setAttribute('download', id + '.csv');
	pollJob(id, 0);
}

async function pollJob(id, tries) {
	if (id !== currentJob)
		return;
	const res = await api('GET', '/v1/jobs/' + encodeURIComponent(id));
	if (id !== currentJob || $('screen-job').hidden)
		return;
	let again = true;
	if (res.status === 200 && res.data && typeof res.data === 'object') {
		drawJob(res.data);
		again = !TERMINAL.has(res.data.state);
	} else if (res.status === 404 && tries < 30) {
		$('job-state').textContent = t('m_waiting_job');
	} else {
		$('job-error').textContent = failMsg(res, 'GET /v1/jobs/' + id);
		again = false;
	}
	if (again)
		pollTimer = setTimeout(() => pollJob(id, tries + 1), POLL_MS);
}

// "ch:sms:sent" / "ward:00070:failed" counters of a job, by group.
function counters(j, prefix) {
	const by = new Map();
	for (const [k, v] of Object.entries(j)) {
		if (!k.startsWith(prefix))
			continue;
		const rest = k.slice(prefix.length);
		const i = rest.lastIndexOf(':');
		if (i <= 0)
			continue;
		const name = rest.slice(0, i), st = rest.slice(i + 1);
		if (!by.has(name))
			by.set(name, {});
		by.get(name)[st] = Number(v) || 0;
	}
	return by;
}

// One SVG bar per group: final outcomes side by side, the rest grey, the
// scale the largest group's total (the job's total for channels).
function chart(title, groups, total, names) {
	const rows = [...groups.entries()];
	if (!rows.length)
		return [];
	const W = 600, H = 26, LW = 150;
	const svg = el('svg', { class: 'chart', viewBox: '0 0 ' + W + ' ' +
	    (rows.length * H + 4), role: 'img', 'aria-label': title });
	rows.forEach(([name, c], i) => {
		const y = i * H + 2;
		const sum = STATUSES.filter((s) => s !== 'delivered')
		    .reduce((a, s) => a + (c[s] || 0), 0);
		const scale = Math.max(total || 0, sum, 1);
		const g = el('g', { 'data-name': name, 'data-done': sum });
		g.append(el('text', { x: 0, y: y + 16 }, names && names(name) || name));
		g.append(el('rect', { class: 'rest', x: LW, y, width: W - LW - 50,
		    height: H - 6 }));
		let x = LW;
		for (const s of STATUSES) {
			if (s === 'sent' ? !(c.sent - (c.delivered || 0)) :
			    !c[s])
				continue;
			const v = s === 'sent' ? c.sent - (c.delivered || 0) : c[s];
			const w = (W - LW - 50) * v / scale;
			g.append(el('rect', { class: s, x, y, width: w.toFixed(1),
			    height: H - 6 }, el('title', {}, t('s_' + s) + ': ' + v)));
			x += w;
		}
		g.append(el('text', { x: W - 45, y: y + 16 }, String(sum)));
		svg.append(g);
	});
	return [el('h2', {}, title), svg];
}

// The channels' scale: the job's total less the recipients skipped before
// any channel was chosen (opted out, duplicate, bad phone, no channel),
// who would otherwise show as waiting for ever.
function chanTotal(j, chans) {
	let onChannel = 0;
	for (const c of chans.values())
		onChannel += c.skipped || 0;
	return Math.max((Number(j.total) || 0) -
	    Math.max((Number(j.skipped) || 0) - onChannel, 0), 0);
}

function legend() {
	return el('ul', { class: 'legend' }, [...STATUSES, 'rest'].map((s) =>
	    el('li', {}, el('svg', { width: 12, height: 12 }, el('rect', {
		class: s, width: 12, height: 12 })), t('s_' + s))));
}

function drawJob(j) {
	const st = j.state || '';
	$('job-state').replaceChildren(stateBadge(st));
	$('job-state').dataset.state = st;
	const facts = [];
	for (const k of ['total', 'queued', 'sent', 'delivered', 'failed',
	    'skipped', 'expired', 'cancelled', 'priority', 'created_at',
	    'finished_at', 'submitted_by', 'approved_by', 'rejected_by',
	    'reject_reason', 'approval_deadline', 'error'])
		if (j[k] !== undefined && j[k] !== '')
			facts.push(coded('k_', k, 'dt'), k === 'priority' ?
			    el('dd', { 'data-k': k, title: j[k] }, T['p_' + j[k]] ?
				t('p_' + j[k]) : String(j[k])) :
			    data('dd', { 'data-k': k }, String(j[k])));
	const answered = Number(j.answered) || 0;
	if (answered || Number(j.sent) > 0)
		facts.push(coded('k_', 'answered', 'dt'), el('dd',
		    { 'data-k': 'answered' }, data('span', {}, String(answered)),
		    answered ? [' · ', el('a', { class: 'answers', href:
			'#inbox/job=' + encodeURIComponent(currentJob) },
			t('m_see_replies'))] : ''));
	$('job-facts').replaceChildren(...facts);
	const chans = counters(j, 'ch:');
	$('job-progress').replaceChildren(
	    ...chart(t('c_wards'), counters(j, 'ward:'), 0, wardName),
	    ...chart(t('c_channels'), chans, chanTotal(j, chans), chanName),
	    legend());
	const waiting = st === 'awaiting_approval';
	const mine = session && j.submitted_by === session.user;
	const approver = session && (session.role === 'approver' ||
	    session.role === 'admin');
	$('job-approve').hidden = !waiting || !approver;
	$('job-reject').hidden = !waiting || !approver;
	$('job-approve').title = mine ? '≠ ' + j.submitted_by : '';
	$('job-cancel').hidden = TERMINAL.has(st);
	$('job-retry').hidden = !(Number(j.failed) > 0) || !TERMINAL.has(st);
	if (waiting && previewedJob !== currentJob)
		previewStored();
}

// An approver sees the waiting job's preview: the stored job previewed
// by the daemon with the compose form's machinery (GET /v1/jobs/<id>/preview).
async function previewStored() {
	const id = currentJob;
	previewedJob = id;	/* once per opening, not at every poll */
	const res = await api('GET', '/v1/jobs/' + encodeURIComponent(id) +
	    '/preview');
	if (id !== currentJob)
		return;		/* another job was opened meanwhile */
	if (res.status === 200 && res.data) {
		$('job-preview').replaceChildren(...previewNodes(res.data));
		$('job-preview').hidden = false;
	} else
		$('job-error').textContent = failMsg(res,
		    'GET /v1/jobs/<id>/preview');
}

async function jobAct(what, body, okMsg) {
	$('job-error').textContent = '';
	const id = currentJob;
	const res = await api('POST', '/v1/jobs/' + encodeURIComponent(id) +
	    '/' + what, body === undefined ? {} : body);
	if (res.status === 200 || res.status === 202) {
		flash(typeof okMsg === 'function' ? okMsg(res.data) : okMsg);
		stopPoll();
		pollJob(id, 0);
		return true;
	}
	$('job-error').textContent = failMsg(res, 'POST /v1/jobs/<id>/' + what);
	return false;
}

// ---- providers and audit (admins) -----------------------------------

async function loadProviders() {
	const list = await fetchList('providers-list', '/v1/providers',
	    'providers');
	if (!list)
		return;
	$('providers-list').replaceChildren(table([[t('h_provider')], [t('h_channel')],
	    [t('h_state')], ['']], list.map((p) => el('tr',
		{ 'data-provider': p.name },
		data('td', {}, p.name),
		el('td', { title: p.channel || '' }, chanName(p.channel || '')),
		el('td', { class: 'pstate' }, p.paused ? t('m_paused') :
		    t('m_running')),
		el('td', {}, el('button', { type: 'button', on: { click:
		    async () => {
			const r = await api('POST', '/v1/providers/' +
			    encodeURIComponent(p.name) + '/' +
			    (p.paused ? 'resume' : 'pause'), {});
			if (r.status === 200)
				loadProviders();
			else
				flash(failMsg(r, 'POST /v1/providers'), true);
		    } } }, p.paused ? t('m_resume') : t('m_pause')))))));
}

async function loadAudit(ev) {
	if (ev)
		ev.preventDefault();
	const q = new URLSearchParams();
	if ($('audit-actor').value.trim())
		q.set('actor', $('audit-actor').value.trim());
	const since = hanoiTime($('audit-since').value);
	if (since)
		q.set('since', since);
	q.set('limit', '200');
	const list = await fetchList('audit-list', '/v1/audit?' + q.toString(),
	    'entries');
	if (!list)
		return;
	$('audit-list').replaceChildren(table([[t('h_time')], [t('h_actor')],
	    [t('h_action')], [t('h_target')], [t('h_from')], [t('h_detail')]],
	    list.map((a) => el('tr', { 'data-action': a.action || '' },
		el('td', {}, a.ts || ''), data('td', {}, a.actor || ''),
		coded('a_', a.action || '', 'td'), data('td', {}, a.target || ''),
		data('td', {}, a.from || ''), data('td', {}, a.detail || '')))));
}

// ---- residents' voice: the inbox ------------------------------------
//
// GET /v1/inbox: what residents wrote back (Zalo, SMS), newest first.
// The daemon leaves out the wards outside the official's scope, masks
// SMS senders' phones and the numbers in texts; a text is the resident's
// own and is shown as text only.  The filters live in the hash
// (#inbox/ward=00070&job=j1), so the job view links to its replies; new
// entries are asked for every INBOX_POLL_MS with after=<newest id shown>.

const INBOX_POLL_MS = 3000;
const INBOX_LIMIT = 100;
let inboxNewest = null;		// the id of the newest entry shown
let inboxGen = 0;		// one per opening: a late answer is dropped

Object.assign(T, {
	nav_inbox: ['Ý kiến người dân', 'Residents’ replies'],
	inbox_title: ['Ý kiến người dân', 'What residents wrote back'],
	inbox_ward: ['Phường', 'Ward'],
	inbox_all_wards: ['Mọi phường của tôi', 'All my wards'],
	inbox_job: ['Trả lời tin (mã tin)', 'Answering the notice (id)'],
	inbox_go: ['Xem', 'Show'],
	i_empty: ['Chưa có ý kiến nào.', 'No reply yet.'],
	i_unknown: ['chưa rõ', 'unknown'],
	i_no_ward: ['chưa rõ phường', 'ward unknown'],
	i_sender: ['Người gửi', 'Sender'],
	i_cut: ['(đã cắt bớt)', '(cut short)'],
	i_answers: ['Trả lời tin', 'Answers the notice'],
	ia_opted_out: ['đã từ chối nhận tin', 'opted out'],
	ia_linked: ['đã liên kết Zalo', 'Zalo account linked'],
	ia_link_ambiguous: ['chưa liên kết Zalo: nhiều người dân có số này', 'not linked: several residents have this number'],
	ia_link_unknown: ['chưa liên kết Zalo: không người dân nào có số này', 'not linked: no resident has this number'],
	ik_follow: ['đã quan tâm Zalo OA của phường', 'followed the ward’s Zalo OA'],
	ik_unfollow: ['đã bỏ quan tâm Zalo OA của phường', 'stopped following the ward’s Zalo OA'],
	in_image: ['đã gửi một hình ảnh', 'sent a picture'],
	in_location: ['đã gửi một vị trí', 'sent a location'],
	in_shared_info: ['đã gửi thông tin liên hệ', 'shared contact details'],
	in_sticker: ['đã gửi nhãn dán', 'sent a sticker'],
	in_gif: ['đã gửi ảnh động', 'sent an animation'],
	in_file: ['đã gửi một tệp', 'sent a file'],
	in_audio: ['đã gửi tin nhắn thoại', 'sent a voice message'],
	in_video: ['đã gửi một đoạn phim', 'sent a video'],
	in_link: ['đã gửi một đường dẫn', 'sent a link'],
	in_media: ['đã gửi ảnh hoặc tệp qua tin nhắn', 'sent a picture or a file by message'],
	in_: ['đã gửi nội dung khác', 'sent something else'],
	k_answered: ['Người dân trả lời', 'Residents who answered'],
	m_see_replies: ['Xem ý kiến', 'See their replies'],
});

// "2026-11-28T07:05:01.123+07:00" (the daemon's Hanoi time) as a
// Vietnamese reads it: "07:05 28/11/2026".
function shownTime(ts) {
	const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d:\d\d)/.exec(ts || '');
	return m ? m[4] + ' ' + m[3] + '/' + m[2] + '/' + m[1] : ts || '';
}

// One entry of GET /v1/inbox as a list item.
function inboxItem(m) {
	const who = m.resident_name || m.resident;
	const head = el('p', { class: 'msg-head' },
	    el('time', { datetime: m.ts, title: m.ts }, shownTime(m.ts)), ' · ',
	    m.ward ? data('span', { class: 'msg-ward', title: m.ward },
		wardName(m.ward)) : el('span', { class: 'msg-ward' }, t('i_no_ward')),
	    ' · ', who ? data('span', { class: 'msg-resident', title: m.resident },
		who) : el('span', { class: 'msg-resident' }, t('i_unknown')),
	    ' · ', data('span', { class: 'msg-from', title: t('i_sender') },
		m.from || ''),
	    ' · ', el('span', { class: 'msg-channel', title: m.channel },
		chanName(m.channel || '')));
	let body = null;
	if (m.kind === 'follow' || m.kind === 'unfollow')
		body = coded('ik_', m.kind, 'p');
	else if (m.kind === 'other')
		body = coded('in_', m.note || '', 'p');
	else if (m.text)
		body = data('p', { class: 'msg-text' }, m.text);
	if (body && !body.classList.contains('msg-text'))
		body.setAttribute('class', 'msg-event');
	const notes = [];
	if (m.truncated === '1')
		notes.push(el('span', { class: 'msg-cut' }, t('i_cut')));
	if (m.action) {
		const a = coded('ia_', m.action);
		a.setAttribute('class', 'msg-action');
		notes.push(a);
	}
	if (m.job)
		notes.push(el('span', {}, t('i_answers') + ' ', data('a',
		    { class: 'msg-job', href: '#job/' + encodeURIComponent(m.job) },
		    m.job)));
	return el('li', { 'data-id': m.id, 'data-kind': m.kind || '' }, head,
	    body, notes.length ? el('p', { class: 'msg-notes' },
		notes.flatMap((n, i) => i ? [' · ', n] : [n])) : null);
}

function drawInbox(list, newer) {
	let ol = $('inbox-list').querySelector('ol');
	if (!ol) {
		ol = el('ol', { class: 'inbox' });
		$('inbox-list').replaceChildren(ol);
	}
	const items = list.map(inboxItem);
	if (newer)
		ol.prepend(...items);
	else
		ol.append(...items);
}

// The ward and job of the hash's "ward=...&job=..." that are names.
function inboxFilters(arg) {
	const q = new URLSearchParams(arg || ''), f = new URLSearchParams();
	for (const k of ['ward', 'job'])
		if (NAME_RE.test(q.get(k) || ''))
			f.set(k, q.get(k));
	return f;
}

async function openInbox(arg) {
	const gen = ++inboxGen, f = inboxFilters(arg);
	inboxNewest = null;
	$('inbox-error').textContent = '';
	$('inbox-list').replaceChildren(el('p', { class: 'hint' }, '…'));
	$('inbox-job').value = f.get('job') || '';
	await loadWards();
	if (gen !== inboxGen)
		return;
	const sel = $('inbox-ward'), want = f.get('ward') || '';
	sel.replaceChildren(sel.options[0]);
	for (const w of wards || [])
		sel.append(data('option', { value: w.code }, (w.name ?
		    w.name + ' (' + w.code + ')' : w.code)));
	if (want && !(wards || []).some((w) => w.code === want))
		sel.append(data('option', { value: want }, want));
	sel.value = want;
	pollInbox(gen, f);
}

// The entries newer than the newest shown (all at the first call), then
// again in INBOX_POLL_MS while the screen is open.
async function pollInbox(gen, f) {
	const q = new URLSearchParams(f);
	q.set('limit', String(INBOX_LIMIT));
	if (inboxNewest)
		q.set('after', inboxNewest);
	const res = await api('GET', '/v1/inbox?' + q.toString());
	if (gen !== inboxGen || $('screen-inbox').hidden)
		return;
	if (res.status === 200) {
		$('inbox-error').textContent = '';
		const list = listOf(res.data, 'entries').filter((m) =>
		    m && typeof m.id === 'string');
		if (list.length) {
			drawInbox(list, inboxNewest !== null);
			inboxNewest = list[0].id;
		} else if (inboxNewest === null)
			$('inbox-list').replaceChildren(el('p', { class: 'hint' },
			    t('i_empty')));
	} else if (inboxNewest === null && res.status !== 0)
		$('inbox-list').replaceChildren(el('p', { class: 'field-error' },
		    failMsg(res, 'GET /v1/inbox')));
	else
		$('inbox-error').textContent = failMsg(res, 'GET /v1/inbox');
	if (res.status === 200 || res.status === 0 || res.status >= 500)
		pollTimer = setTimeout(() => pollInbox(gen, f), INBOX_POLL_MS);
}

function inboxSubmit(ev) {
	ev.preventDefault();
	const job = $('inbox-job').value.trim();
	if (job && !NAME_RE.test(job)) {
		$('inbox-error').textContent = t('m_bad_id');
		return;
	}
	const f = new URLSearchParams();
	if ($('inbox-ward').value)
		f.set('ward', $('inbox-ward').value);
	if (job)
		f.set('job', job);
	const h = '#inbox' + (f.toString() ? '/' + f.toString() : '');
	if (location.hash === h) {
		stopPoll();
		openInbox(f.toString());
	} else
		location.hash = h;
}

// ---- password change ------------------------------------------------
//
// POST /v1/session/password: any account changes its own password; an
// account whose password loactl printed (must_change) sees only this
// form until it has.  The repeat is checked here; the daemon judges the
// rest and its message goes next to the field it is about.

const PW_PATH = '/v1/session/password';

Object.assign(T, {
	nav_password: ['Đổi mật khẩu', 'Change password'],
	pw_title: ['Đổi mật khẩu', 'Change password'],
	pw_must: ['Mật khẩu này chỉ dùng một lần: hãy đặt mật khẩu mới trước ' +
	    'khi tiếp tục.', 'This password was for one use only: choose a ' +
	    'new one before going on.'],
	pw_old: ['Mật khẩu hiện tại', 'Current password'],
	pw_new: ['Mật khẩu mới', 'New password'],
	pw_new_hint: ['Ít nhất 10 ký tự, khác mật khẩu hiện tại.',
	    'At least 10 characters, not the current password.'],
	pw_new2: ['Nhập lại mật khẩu mới', 'New password again'],
	pw_submit: ['Đổi mật khẩu', 'Change password'],
	pw_m_mismatch: ['Hai lần nhập mật khẩu mới không khớp.',
	    'The two new passwords differ.'],
	pw_m_bad_new: ['Mật khẩu mới không dùng được: {msg}',
	    'The new password will not do: {msg}'],
	pw_m_bad_old: ['Mật khẩu hiện tại không đúng: {msg}',
	    'Wrong current password: {msg}'],
	pw_m_done: ['Đã đổi mật khẩu.', 'Password changed.'],
});

function pwMustChange() {
	return !!(session && session.must_change);
}

function pwClear() {
	for (const id of ['pw-old', 'pw-new', 'pw-new2']) {
		$(id).value = '';
		$(id + '-error').textContent = '';
	}
}

function pwShow() {
	pwClear();
	$('pw-must').hidden = !pwMustChange();
	$('pw-old').focus();
}

async function pwSubmit(ev) {
	ev.preventDefault();
	for (const id of ['pw-old', 'pw-new', 'pw-new2'])
		$(id + '-error').textContent = '';
	const password = $('pw-old').value;
	const npw = $('pw-new').value;
	if (npw !== $('pw-new2').value) {
		$('pw-new2-error').textContent = t('pw_m_mismatch');
		$('pw-new2').focus();
		return;
	}
	const res = await api('POST', PW_PATH, { password, new_password: npw });
	if (res.status === 200) {
		pwClear();
		session.must_change = false;
		showLoggedIn();
		// route() clears the flash: say it once the console is shown.
		if (location.hash === '#compose') {
			route();
			flash(t('pw_m_done'));
		} else {
			window.addEventListener('hashchange', () =>
			    flash(t('pw_m_done')), { once: true });
			location.hash = '#compose';
		}
		return;
	}
	if (res.status === 401 && /^no session/.test(errOf(res))) {
		session = null;
		showLoggedOut();
	} else if (res.status === 401)
		$('pw-old-error').textContent = t('pw_m_bad_old', { msg: errOf(res) });
	else if (res.status === 400)
		$('pw-new-error').textContent = t('pw_m_bad_new', { msg: errOf(res) });
	else
		$('pw-old-error').textContent = res.status === 429 ? t('m_locked') :
		    failMsg(res, PW_PATH);
}

// ---- start ----------------------------------------------------------

async function start() {
	$('lang').addEventListener('click', () => {
		lang = 1 - lang;
		localStorage.setItem('loa.lang', lang ? 'en' : 'vi');
		applyLang();
	});
	$('login-form').addEventListener('submit', login);
	$('pw-form').addEventListener('submit', pwSubmit);
	$('logout').addEventListener('click', logout);
	$('ward-search').addEventListener('input', showSuggest);
	$('ward-search').addEventListener('keydown', searchKey);
	$('ward-search').addEventListener('focus', loadWards);
	$('ward-search').addEventListener('blur', () => setTimeout(() => {
		$('ward-list').hidden = true;
	}, 150));
	for (const id of ['sms-text', 'sms-unicode', 'sms-max', 'sender'])
		$(id).addEventListener('input', updateCount);
	$('ch-sms').addEventListener('change', syncChannels);
	$('ch-zalo').addEventListener('change', syncChannels);
	$('vars-add').addEventListener('click', () => addPair('vars'));
	$('zalo-add').addEventListener('click', () => addPair('zalo-fields'));
	$('preview-btn').addEventListener('click', doPreview);
	$('compose-form').addEventListener('submit', doSubmit);
	$('job-approve').addEventListener('click', () =>
	    jobAct('approve', {}, t('m_approved')));
	$('job-reject').addEventListener('click', () => {
		$('reject-box').hidden = false;
		$('reject-reason').focus();
	});
	$('reject-send').addEventListener('click', async () => {
		const reason = $('reject-reason').value.trim();
		if (!reason) {
			$('job-error').textContent = t('m_need_reason');
			return;
		}
		if (await jobAct('reject', { reason }, t('m_rejected')))
			$('reject-box').hidden = true;
	});
	$('job-cancel').addEventListener('click', () =>
	    jobAct('cancel', {}, t('m_cancelled')));
	$('job-retry').addEventListener('click', () =>
	    jobAct('retry', {}, (d) => t('m_retried', {
		n: d && d.retried !== undefined ? d.retried : '' })));
	$('audit-form').addEventListener('submit', loadAudit);
	$('inbox-form').addEventListener('submit', inboxSubmit);
	window.addEventListener('hashchange', route);
	resetCompose();
	if (lang)
		applyLang();
	// A session still open (the cookie is the browser's): GET /v1/session.
	const res = await api('GET', '/v1/session');
	if (res.status === 200 && res.data && res.data.user) {
		session = res.data;
		showLoggedIn();
	}
	route();
	document.body.dataset.ready = '1';
}

start();
