"""Per-language reply, quote and signature patterns, kept as data.

Mail clients announce quoted history in a handful of fixed shapes per UI language
("On <date>, <name> wrote:", Outlook "From:/Sent:" blocks, "-----Original Message-----")
and phones append fixed "Sent from" lines. Adding a client or a language means adding
rows here; :mod:`service.mail.clean` and :mod:`service.mail.timing` only combine them.

Conventions:

* Every regex is matched against one whole line (or two or three wrapped lines joined
  with a space) that has been stripped of surrounding white space, of the ``*bold*`` stars
  of HTML-to-text output and, for attributions, of a frame of dashes
  (``---- On ... wrote ----``); matching ignores case. Separators match at the start of a
  line: Yahoo writes its whole forward header on the separator's line.
* Attribution regexes put the part holding the date and time in the group ``date``
  (empty where the shape has no date); the date parser tolerates the sender name that is
  often left inside it. An attribution ends in a colon, an address or one of the
  language's ``wrote`` words: the cleaner only tries the regexes on such lines, which keeps
  it linear on long quotes.
* :data:`NEUTRAL` holds shapes that are not tied to a UI language (Gmail's numeric
  "2014-10-17 11:28 GMT+03:00 Name <addr>:") and phone lines of other UI languages that
  still reach our clients' inboxes.

Deliberate choices -- each differs from some other reply parser, on purpose:

* **Every ``>`` line is history**, also inside an inline reply: the client's new words are
  the unquoted lines between the quotes, and a quote may hold abuse the client did not
  write now. Link pieces that a mailer wrapped out of a ``>`` quote belong to the quote.
* **A forwarded message is history.** "---------- Forwarded message ---------", Yahoo's
  one-line "----- Forwarded Message ----- From: ...", MailMate's "Forwarded message:" open
  quoted history like a reply's attribution: only the comment above a forward is the
  client's own text, the forward is someone else's.
* **Sign-offs stay in the new text** ("Thanks,", "С уважением,", "Saygılarımla,",
  "감사합니다."): they carry tone. Only the name/title/contact block after them is the
  signature.
* **A phone line ends the new text** ("Sent from my iPhone", "iPhone에서 보냄"): phones write
  it under what was typed, so unmarked text below it is the quoted mail.
* **An attribution on top of a mail does not swallow it.** When "On ... wrote:" is the first
  line and unquoted text follows, that text is the reply (nobody sends an empty reply with
  unmarked history); the attribution still dates the quote.
* **A dash before a name signs** ("-Abhishek", "- roman", "— Анна"), but not inside a
  bullet list; a lone name line under the text signs too, unless it is a reply word
  ("Ok", "Tamam", "네").
* **Invisible marks are not text**: byte-order marks and zero-width characters are dropped,
  and a line holding only a tracking glyph (Streak/Gmail's U+1427 "ᐧ") is blank.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LanguagePatterns:
    """Everything the cleaner and the date parser need to know about one UI language."""

    attributions: tuple[str, ...] = ()
    """Attribution lines that open quoted history; group ``date`` holds the date part."""
    wrote: tuple[str, ...] = ()
    """Verbs an attribution ends with ("wrote", "написал"); with a frame of dashes
    (``---- John wrote ----``) such a line needs neither date nor address."""
    separators: tuple[str, ...] = ()
    """Lines that open quoted or forwarded history on their own (matched at line start)."""
    header_from: tuple[str, ...] = ()
    """Outlook-style header block labels (no colon) meaning "From"."""
    header_date: tuple[str, ...] = ()
    """Header block labels whose value is the date the quoted mail was sent."""
    header_other: tuple[str, ...] = ()
    """Other header block labels (To, Cc, Subject, Reply-To)."""
    mobile_signatures: tuple[str, ...] = ()
    """Lines a phone or web client appends; they and everything after are signature."""
    mobile_hints: tuple[str, ...] = ()
    """Lower-case words one of which each of the language's phone lines holds: only lines
    holding one are given to the ``mobile_signatures`` regexes (which backtrack)."""
    signoffs: tuple[str, ...] = ()
    """Closing phrases; an optional name may follow on the same line (group ``name``)."""
    name_closings: tuple[str, ...] = ()
    """Lines that are themselves the start of a signature ("홍길동 드림")."""
    name_titles: tuple[str, ...] = ()
    """Job titles written after a name on its line ("홍길동 과장")."""
    not_names: tuple[str, ...] = ()
    """Capitalised one-word replies that must not pass for a signing name ("Ok", "Tamam")."""
    disclaimers: tuple[str, ...] = ()
    """Words of a legal footer; a paragraph holding one belongs to the signature."""
    months: dict[str, int] = field(default_factory=dict)
    """Month name prefixes (lower case, first three letters unless ambiguous) -> month."""
    am: tuple[str, ...] = ()
    pm: tuple[str, ...] = ()


_NAME = r"(?:\s*[^\w\s,.]{1,4})?(?:,\s*(?P<name>[^\W\d_]+(?:[\s.-]+[^\W\d_]+){0,2}))?"
"""Optional emoji after a sign-off ("Cheers 🎉") and sender name on the same line ("Best
regards, John Doe")."""

_WHEN = r"(?P<date>.*?\d{1,2}:\d{2}.*?)"
"""Date part that must hold a clock time: guards loose shapes against ordinary sentences."""

_DATED = r"(?P<date>(?=.*(?:\d[:.]\d\d|(?<!\d)(?:19|20)\d\d(?!\d))).*?\d.*?)"
"""Date part holding a clock time or a year: what a shape without its colon must show."""

_RU_START = (
    r"(?=\d|(?:пн|вт|ср|чт|пт|сб|вс|понедельник|вторник|среда|четверг|пятница|суббота|"
    r"воскресенье)\b)"
)
_TR_START = (
    r"(?=\d|(?:pzt|sal|çar|per|cum|cmt|paz|pazartesi|salı|çarşamba|perşembe|cuma|cumartesi|"
    r"pazar)\b)"
)
"""How a dated Russian / Turkish attribution begins: with its date or its weekday (Korean
ones and English ones without "On" begin with a digit). A line of reply text before the
date is then not taken into the attribution: "Спасибо! 03.11.2025 09:41, Иван пишет:"."""

_ADDR = r"[<(\[]\s?(?:mailto:)?[^<>()\[\]@\s]+@[^<>()\[\]\s]+\s?[>)\]]"
"""A bracketed address: "<a@b.com>", "(a@b.com)", "[mailto:a@b.com]"."""

_ADDR_END = r".*" + _ADDR + r"\s*:"
"""Ends in "<addr@host>:" -- required where the attribution has no verb to anchor on."""

_NAMED = r"(?P<date>)(?-i:[{upper}])[^\W\d_]*(?:[\s.'-]{{1,2}}(?-i:[{upper}])[^\W\d_]*){{0,3}}"
"""One to four capitalised words ("Anna Lee"): a sender named without date or address. The
capitals are matched case-sensitively although attributions match ignoring case."""

_DEVICE = (
    r"(?:iphone|ipad|ipod|android|samsung|galaxy|blackberry|huawei|xiaomi|pixel|outlook|gmail|"
    r"yahoo|mail\.ru|yandex|naver|daum|mobile|mobil|smartphone|phone|cell)"
)
"""Devices and mail apps named by a phone's signature line."""

_WHO = r"(?P<date>)(?:\"[^\"]{1,80}\"|[^<>()\[\]:\"]{1,80}?)?\s*(?:" + _ADDR + r"|\S+@\S+\.\w+)"
"""A sender without a date: 'Name <addr>', '"Name" <addr>' or a bare address."""

_EN_REPLY_WORDS = (
    "ok", "okay", "yes", "no", "sure", "done", "great", "agreed", "perfect", "noted",
    "fine", "urgent", "please", "hello", "hi", "hey", "bye", "cool", "nice", "awesome",
    "correct", "confirmed", "approved", "asap", "good luck", "see you", "talk soon",
    "thanks", "thank", "dear", "regards", "cheers", "best",
)  # fmt: skip
_EN_DISCLAIMERS = (
    r"confidential", r"privileged", r"intended (?:solely )?for", r"disclaimer",
    r"if you (?:are not|have received) (?:the intended|this (?:e-?mail|message) in error)",
)  # fmt: skip
_KO_TITLES = (
    "과장", "대리", "부장", "차장", "팀장", "실장", "사원", "주임", "대표", "이사", "상무",
    "전무", "사장", "본부장", "매니저", "님",
)  # fmt: skip

EN = LanguagePatterns(
    attributions=(
        # Gmail, Apple Mail, Thunderbird, Outlook for Mac:
        # "On Mon, Nov 3, 2025 at 9:41 AM John <j@x.com> wrote:", "On 03.11.2025 09:41, John wrote:"
        # and the rarer "... sent:", "... writes:"
        r"on\s+(?P<date>.*\d.*?)\s*(?:wrote|sent|writes)\s*:",
        # the same without its colon (Zoho, web forms): the date must then be clear
        r"on\s+" + _DATED + r"\s*(?:wrote|sent|writes)",
        # Polymail and others without a verb: "On Mon, Nov 3, 2025 at 9:41 AM, John <j@x.com>:"
        r"on\s+(?P<date>.*\d.*?)\s*" + _ADDR + r"\s*:?",
        # Thunderbird without "On": "03.11.2025 09:41, John Doe wrote:"
        r"(?=\d)" + _WHEN + r"\s*wrote\s*:",
        # no date at all: "John Doe <john@x.com> wrote:", "bob@example.com wrote:"
        _WHO + r"\s*(?:wrote|writes)\s*:",
        # a name alone, capitalised: "Somebody wrote:", "Anna Lee wrote:"
        _NAMED.format(upper="A-Z") + r"\s+(?:wrote|writes)\s*:",
    ),
    wrote=("wrote", "writes", "sent"),
    separators=(
        r"-{2,}\s*(?:original|reply|forwarded)\s+message\s*-{2,}",
        r"begin forwarded message\s*:",
        r"forwarded message\s*:",  # MailMate
    ),
    header_from=("from",),
    header_date=("sent", "date"),
    header_other=("to", "cc", "bcc", "subject", "reply-to"),
    mobile_signatures=(
        # "Sent from my iPhone", "Sent from Mailbox for iPhone", "Sent from Yahoo Mail on Android",
        # "Sent wirelessly from my BlackBerry", "Sent via mobile", "Sent with Airmail",
        # "Sent from my cell, please excuse any typos."
        r"[(<]*sent\s+(?:wirelessly\s+|remotely\s+)?(?:from|via|with)\s+(?:my\s+|an?\s+)?"
        r"[^\s,.!;]+(?:\s+[^\s,.!;]+){0,6}[\s.!]*"
        r"(?:[,.]?\s*please\s+excuse.*|<https?://\S+>)?[)>]*",
        r"[(<]+sent by [^()<>]{1,30}[)>]+",  # "<<sent by galaxy>>"
        r"from my " + _DEVICE + r".{0,30}",
        r"(?:get|download) outlook for (?:ios|android)\S*",
    ),
    mobile_hints=("sent ", "from my", "outlook for"),
    signoffs=(
        r"(?:best|kind|warm|warmest|many)?\s*regards\s*[,.!]?" + _NAME,
        r"(?:best|all the best|best wishes|cheers|sincerely|yours sincerely|yours truly)\s*[,.!]?"
        + _NAME,
        r"(?:thanks|thank you|many thanks|thanks in advance|thanks again)\s*[,.!]?" + _NAME,
    ),
    not_names=_EN_REPLY_WORDS,
    disclaimers=_EN_DISCLAIMERS,
    months={
        "jan": 1,
        "feb": 2,
        "mar": 3,
        "apr": 4,
        "may": 5,
        "jun": 6,
        "jul": 7,
        "aug": 8,
        "sep": 9,
        "oct": 10,
        "nov": 11,
        "dec": 12,
    },
    am=("am", "a.m."),
    pm=("pm", "p.m."),
)

KO = LanguagePatterns(
    attributions=(
        # Gmail: "2025년 11월 3일 (월) 오전 9:41, 홍길동 <a@b.kr>님이 작성:"
        # Apple Mail: "2025. 11. 3. 오전 9:41, 홍길동 <a@b.kr> 작성:"
        r"(?=\d)" + _WHEN + r"\s*(?:님이|님께서)?\s*작성(?:하였습니다|했습니다|함)?\s*:?",
        # Gmail mobile, no clock time: "2014년 10월 6일 월요일, 홍길동<a@b.kr>님이 작성한 메시지:"
        r"(?P<date>.*\d{4}\s*년.*?)\s*(?:님이|님께서)\s*작성한\s*(?:메시지|메일)\s*:?",
        # Thunderbird: "2025-11-03 오전 9:41에 홍길동 이(가) 쓴 글:"
        r"(?=\d)" + _WHEN + r"\s*쓴\s*글\s*:",
        # no date: "홍길동 <hong@b.kr>님이 작성:"
        _WHO + r"\s*(?:님이|님께서)?\s*작성(?:한\s*(?:메시지|메일))?\s*:",
        # a name alone: "홍길동님이 작성:"
        r"(?P<date>)[가-힣A-Za-z]{2,10}(?:\s[가-힣A-Za-z]{1,10})?\s*(?:님이|님께서)\s*작성\s*:",
    ),
    wrote=("작성", "쓴 글"),
    separators=(
        r"-{2,}\s*(?:원본|원래)\s*(?:메일|메시지|메세지)\s*-{2,}",
        r"-{2,}\s*(?:전달된|전달)\s*(?:메일|메시지|메세지)\s*-{2,}",
        r"-{2,}\s*회신\s*(?:메일|메시지)\s*-{2,}",
        r"(?:전달된|전달)\s*(?:메일|메시지)\s*:",  # Apple Mail, MailMate
    ),
    header_from=("보낸 사람", "보낸사람", "보낸이"),
    header_date=("보낸 날짜", "보낸날짜", "날짜", "받은 날짜"),
    header_other=("받는 사람", "받는사람", "참조", "숨은 참조", "제목", "회신 주소"),
    mobile_signatures=(
        # "iPhone에서 보냄", "삼성 갤럭시 스마트폰에서 보냈습니다.", "네이버 메일 앱에서 보냈습니다"
        r".{0,30}(?:" + _DEVICE + r"|아이폰|아이패드|갤럭시|안드로이드|스마트폰|휴대폰|핸드폰|"
        r"모바일|네이버|다음\s*메일|아웃룩|메일\s*앱).{0,20}(?:에서|으로|로)\s*"
        r"(?:보냄|보냈습니다|전송됨|전송했습니다|발송됨|발송했습니다)\.?",
    ),
    mobile_hints=("보냄", "보냈", "전송", "발송"),
    signoffs=(
        r"(?:감사합니다|고맙습니다|감사드립니다|수고하세요|수고하십시오|잘 부탁드립니다)\s*[.!~^]*",
    ),
    name_closings=(r"\S{1,12}(?:\s\S{1,12}){0,2}\s*(?:드림|올림|배상)\.?",),
    name_titles=_KO_TITLES,
    not_names=("안녕하세요", "네", "넵", "확인", "알겠음", "급함", "부탁", "감사", "수고", "이상"),
    disclaimers=(r"기밀", r"비밀", r"수신인\s*이외", r"무단\s*(?:복제|배포|전재)"),
)

RU = LanguagePatterns(
    attributions=(
        # Gmail: "пн, 3 нояб. 2025 г. в 09:41, Иван <a@b.ru>:", "ср, 1 апр. 2015, 18:29, И <a@b>:"
        r"(?P<date>(?:[а-я]{2},\s*)?\d{1,2}\s+[а-яё]+\.?\s+\d{4}(?:\s*г\.)?"
        r"(?:,?\s*(?:в\s*)?\d{1,2}:\d{2})?)" + _ADDR_END,
        # Yandex: '03.11.2025, 09:41, "Иван" <a@ya.ru>:'
        r"(?P<date>\d{1,2}\.\d{1,2}\.\d{2,4},?\s+\d{1,2}[:.]\d{2}),?" + _ADDR_END,
        # Mail.ru: "Понедельник, 3 ноября 2025, 9:41 +03:00 от Иван <a@mail.ru>:"
        _RU_START + _WHEN + r"\s+от\s+" + _ADDR_END,
        # Thunderbird: "03.11.2025 09:41, Иван пишет:"
        # Apple Mail: "3 нояб. 2025 г., в 09:41, Анна <a@b.ru> написал(а):"
        _RU_START + _WHEN + r"\s*(?:пишет|написал\(а\)|написала?)\s*:",
        # Gmail, no clock time: "понедельник, 6 октября 2014 г. пользователь lidel написал:"
        r"(?P<date>.*\d{4}\s*г\.?)\s*,?\s*пользователь\s+.{1,80}?\s+(?:написал\(а\)|написала?)\s*:",
        # no date: "Иван Петров <ivan@b.ru> написал(а):"
        _WHO + r"\s*(?:пишет|написал\(а\)|написала?)\s*:",
        # a name alone, capitalised: "Иван Петров написал:"
        _NAMED.format(upper="А-ЯЁ") + r"\s+(?:пишет|написал\(а\)|написала?)\s*:",
    ),
    wrote=("написал", "написала", "написал(а)", "пишет"),
    separators=(
        r"-{2,}\s*(?:исходное|пересылаемое|перенаправленное|пересланное|ответное)\s+"
        r"(?:сообщение|письмо)\s*-{2,}",
        r"-{2,}\s*конец пересылаемого сообщения\s*-{2,}",
        r"(?:начало\s+)?(?:пересылаемого|переадресованного|пересланного)\s+сообщения\s*:",
        r"(?:пересылаемое|пересланное)\s+сообщение\s*:",
    ),
    header_from=("от",),
    header_date=("отправлено", "дата"),
    header_other=("кому", "копия", "тема", "ответить"),
    mobile_signatures=(
        # "Отправлено с iPhone", "Отправлено из мобильной Почты Mail.ru", "Послано с моего Samsung"
        r"(?:отправлено|послано|написано) (?:с|из|со|через) .{0,40}(?:"
        + _DEVICE
        + r"|мобильн|телефон|смартфон|почт|яндекс|приложени).{0,40}",
    ),
    mobile_hints=("отправлено", "послано", "написано"),
    signoffs=(
        r"(?:с уважением|с наилучшими пожеланиями|всего доброго|всего хорошего|спасибо|"
        r"благодарю|заранее спасибо|с благодарностью)\s*[,.!]?" + _NAME,
    ),
    not_names=(
        "спасибо",
        "привет",
        "здравствуйте",
        "уважаемый",
        "да",
        "нет",
        "ок",
        "хорошо",
        "ладно",
        "согласен",
        "согласна",
        "срочно",
        "жду",
    ),
    disclaimers=(r"конфиденциальн", r"предназначен[оа]? (?:только|исключительно)"),
    months={
        "янв": 1,
        "фев": 2,
        "мар": 3,
        "апр": 4,
        "май": 5,
        "мая": 5,
        "июн": 6,
        "июл": 7,
        "авг": 8,
        "сен": 9,
        "окт": 10,
        "ноя": 11,
        "дек": 12,
    },
)

TR = LanguagePatterns(
    attributions=(
        # Gmail: "3 Kas 2025 Pzt, 09:41 tarihinde Ali <a@b.com> şunu yazdı:"
        # Apple Mail: "3 Kas 2025 tarihinde 09:41 saatinde, Ali <a@b.com> şunları yazdı:"
        # Thunderbird: "03.11.2025 09:41 tarihinde Ali yazdı:"
        _TR_START + r"(?P<date>.*\d.*?\s+tarihinde\b.*?)\s*(?:şunu|şunları)?\s*yazdı\s*:?",
        r"(?=\d)" + _WHEN + r"\s*(?:şunu|şunları)?\s*yazdı\s*:",
        # Zoho, web clients: "Sal, 22 Ara 2020 14:17 Ali Vural <ali@b.com> yazdı:"
        _TR_START + _WHEN + r"\s*" + _ADDR + r"\s*(?:şunu|şunları)?\s*yazdı\s*:",
        # no date: "Ali Veli <ali@b.com> şunu yazdı:"
        _WHO + r"\s*(?:şunu|şunları)?\s*yazdı\s*:",
        # a name alone, capitalised: "Ayşe Yılmaz şunu yazdı:"
        _NAMED.format(upper="A-ZÇĞİÖŞÜ") + r"\s+(?:şunu|şunları)?\s*yazdı\s*:",
    ),
    wrote=("yazdı",),
    separators=(
        r"-{2,}\s*(?:özgün|orijinal|asıl|yanıtlanan)\s+(?:ileti|mesaj)\s*-{2,}",
        r"-{2,}\s*(?:iletilen|iletilmiş|yönlendirilen)\s+(?:ileti|mesaj)\s*-{2,}",
        r"(?:iletilen|yönlendirilen|yönlendirilmiş)\s+(?:ileti|mesaj)(?:ın|in)?(?:\s+başlangıcı)?\s*:",
    ),
    header_from=("kimden", "gönderen"),
    header_date=("gönderildi", "gönderilme", "tarih"),
    header_other=("kime", "bilgi", "konu", "yanıtla"),
    mobile_signatures=(
        # "iPhone'umdan gönderildi", "Samsung Galaxy akıllı telefonumdan gönderildi",
        # "Android için Outlook ile gönderildi"
        r".{0,40}(?:" + _DEVICE + r"|telefon|cep|tablet|yandex|turkcell).{0,40}"
        r"(?:['’]?(?:umdan|imden|ımdan|dan|den|tan|ten)|\s+ile)\s+gönderildi\.?",
    ),
    mobile_hints=("gönderildi",),
    signoffs=(
        r"(?:saygılarımla|saygılarımızla|saygılar|iyi çalışmalar|teşekkürler|teşekkür ederim|"
        r"kolay gelsin|selamlar|iyi günler)\s*[,.!]?" + _NAME,
    ),
    not_names=(
        "teşekkürler",
        "sayın",
        "selam",
        "tamam",
        "evet",
        "hayır",
        "olur",
        "peki",
        "acil",
        "anlaşıldı",
        "merhaba",
    ),
    disclaimers=(r"gizli", r"yasal uyarı", r"sadece muhatab"),
    months={
        "oca": 1,
        "şub": 2,
        "sub": 2,
        "mar": 3,
        "nis": 4,
        "may": 5,
        "haz": 6,
        "tem": 7,
        "ağu": 8,
        "agu": 8,
        "eyl": 9,
        "eki": 10,
        "kas": 11,
        "ara": 12,
    },
    am=("öö",),
    pm=("ös",),
)

_DATE_FIRST = (
    r"(?:\d{4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}\.?|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}"
    r"|\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?)"
)
"""A line opening with a numeric date or a clock time ("2014-10-17", "30.09.2017", "11:00 AM")."""

NEUTRAL = LanguagePatterns(
    attributions=(
        # Gmail (any UI language, 2011-2016): "2014-10-17 11:28 GMT+03:00 Name <addr>:" and
        # "2011/4/7 Name <addr>"; Yandex with a dotted clock: '30.09.2017, 18.30, "N" <addr>:';
        # "11:00 AM, November 17, 2021, "N" <addr>:"
        r"(?P<date>" + _DATE_FIRST + r"[^<>]*?),?\s*" + _ADDR + r"\s*:?",
    ),
    mobile_signatures=(
        r"envoy[ée] (?:de|depuis) (?:mon|ma) .{1,40}",
        r"von meinem .{1,40} gesendet\.?",
        r"diese nachricht wurde von meinem .{1,60} gesendet\.?",
        r"enviado (?:desde|de) mi .{1,60}",
        r"inviato da .{1,40}",
        r"verzonden (?:met|vanaf) .{1,40}",
        r"從我的 .{1,20} 傳送|发自我的.{1,20}",
    ),
    mobile_hints=("envoy", "gesendet", "enviado", "inviato", "verzonden", "傳送", "发自"),
)
"""Shapes of no one UI language: numeric-date attributions, other languages' phone lines."""

LANGUAGES: dict[str, LanguagePatterns] = {"en": EN, "ko": KO, "ru": RU, "tr": TR}
"""The UI languages whose clients we recognise; order does not matter (patterns are unioned)."""

NEUTRAL_CODE = "und"
"""Language code reported for an attribution of :data:`NEUTRAL` (day-first dates)."""

INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060\u00ad"
"""Byte-order mark, zero-width characters and soft hyphen: dropped before anything is read."""

TRACKING_GLYPHS = "\u1427"
"""Characters a mail tracker leaves on a line of their own (Streak, Gmail add-ons)."""

KOREAN_AM = ("오전",)
KOREAN_PM = ("오후",)
"""Korean writes the half-day *before* the time ("오후 3:05"); other languages after it."""

ZONE_OFFSETS: dict[str, int] = {
    "utc": 0, "gmt": 0, "z": 0, "bst": 60, "cet": 60, "cest": 120, "eet": 120, "eest": 180,
    "msk": 180, "trt": 180, "kst": 540, "est": -300, "edt": -240, "cst": -360, "cdt": -300,
    "mst": -420, "mdt": -360, "pst": -480, "pdt": -420,
}  # fmt: skip
"""Zone abbreviations seen in attribution lines -> offset in minutes east of UTC."""


def all_patterns(attribute: str) -> tuple[str, ...]:
    """Union of one tuple-valued attribute over every language and :data:`NEUTRAL`."""
    groups = (*LANGUAGES.values(), NEUTRAL)
    return tuple(item for lang in groups for item in getattr(lang, attribute))


def all_months() -> dict[str, int]:
    """Month prefix table over every language (prefixes never collide across languages)."""
    return {key: value for lang in LANGUAGES.values() for key, value in lang.months.items()}
