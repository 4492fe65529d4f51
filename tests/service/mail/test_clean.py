"""Reply cleaning: new text vs quoted history vs signature, in ko/ru/tr/en."""

from __future__ import annotations

import pytest

from service.mail.clean import find_attribution, split_reply

NEW = "Please send the corrected invoice today."
OLD = "You people are useless."

ATTRIBUTIONS = [
    # Gmail, four UI languages (current Gmail puts U+202F before AM/PM)
    ("en", "On Mon, Nov 3, 2025 at 9:41\u202fAM John Doe <j@x.com> wrote:"),
    ("ko", "2025년 11월 3일 (월) 오전 9:41, 홍길동 <a@b.kr>님이 작성:"),
    ("ru", "пн, 3 нояб. 2025 г. в 09:41, Иван <a@b.ru>:"),
    ("tr", "3 Kas 2025 Pzt, 09:41 tarihinde Ali <a@b.com> şunu yazdı:"),
    # Apple Mail
    ("en", "On 3 Nov 2025, at 09:41, John <j@x> wrote:"),
    ("en", "On Nov 3, 2025, at 9:41\u202fAM, John Doe <j@x.com> wrote:"),
    ("ko", "2025. 11. 3. 오전 9:41, 홍길동 <a@b.kr> 작성:"),
    ("ru", "3 нояб. 2025 г., в 09:41, Анна <a@b.ru> написал(а):"),
    ("tr", "3 Kas 2025 tarihinde 09:41 saatinde, Ali <a@b.com> şunları yazdı:"),
    # Thunderbird
    ("en", "On 03.11.2025 09:41, John wrote:"),
    ("ru", "03.11.2025 09:41, Иван пишет:"),
    ("tr", "03.11.2025 09:41 tarihinde Ali yazdı:"),
    ("ko", "2025-11-03 오전 9:41에 홍길동 이(가) 쓴 글:"),
    # Yandex, Mail.ru
    ("ru", '03.11.2025, 09:41, "Иван" <a@ya.ru>:'),
    ("ru", "Понедельник, 3 ноября 2025, 9:41 +03:00 от Иван <a@mail.ru>:"),
]


@pytest.mark.parametrize(("lang", "attribution"), ATTRIBUTIONS)
def test_attribution_starts_quote(lang: str, attribution: str) -> None:
    new, quoted, _ = split_reply(f"{NEW}\n\n{attribution}\n\n> {OLD}\n")
    assert new == NEW
    assert quoted.startswith(attribution)
    found = find_attribution(quoted)
    assert found is not None and found.language == lang
    assert "9:41" in found.date_text


@pytest.mark.parametrize(("lang", "attribution"), ATTRIBUTIONS)
def test_attribution_without_angle_quotes_takes_the_rest(lang: str, attribution: str) -> None:
    new, quoted, _ = split_reply(f"{NEW}\n{attribution}\n{OLD}\nmore history\n")
    assert new == NEW
    assert OLD in quoted and "more history" in quoted


@pytest.mark.parametrize(
    "block",
    [
        "From: Support <s@v.com>\nSent: Monday, November 3, 2025 9:41 AM\nTo: John\nSubject: RE: x",
        "*From:* Support <s@v.com>\n*Sent:* Monday, November 3, 2025 9:41 AM\n*To:* John",
        "Kimden: Destek <d@x.com.tr>\nGönderildi: 3 Kasım 2025 Pazartesi 09:41\nKime: Ali\nKonu: "
        "YNT",
        "От: Поддержка <s@v.ru>\nОтправлено: 3 ноября 2025 г. 9:41\nКому: Иван\nТема: RE: счёт",
        "보낸 사람: 지원팀 <s@v.kr>\n보낸 날짜: 2025년 11월 3일 월요일 오전 9:41\n받는 사람: "
        "홍길동\n제목: RE",
        "-----Original Message-----\nFrom: Tom\nSent: Monday, November 03, 2025 9:41 AM",
        "-----Исходное сообщение-----\nОт: Иван\nДата: 03.11.2025 9:41",
        "-----Özgün İleti-----\nKimden: Ali\nTarih: 3 Kasım 2025 Pazartesi 09:41",
        "--------- 원본 메일 ---------\n보낸사람: 영업팀\n날짜: 2025년 11월 3일(월) 09:41:12 +0900",
        "---------- Forwarded message ---------\nFrom: Ann <a@x.com>\nDate: Mon, Nov 3, 2025 at "
        "9:41 AM",
    ],
)
def test_outlook_header_blocks_and_separators(block: str) -> None:
    new, quoted, _ = split_reply(f"{NEW}\n\n________________________________\n{block}\n\n{OLD}")
    assert new == NEW
    assert quoted.startswith("_____") and OLD in quoted
    found = find_attribution(quoted)
    assert found is not None and "9:41" in found.date_text


def test_wrapped_gmail_attribution() -> None:
    text = (
        f"{NEW}\n\nOn Mon, Nov 3, 2025 at 5:20\u202fPM Support Team <\ns@v.com> wrote:\n\n> {OLD}"
    )
    new, quoted, _ = split_reply(text)
    assert new == NEW
    found = find_attribution(quoted)
    assert found is not None and found.date_text.startswith("Mon, Nov 3, 2025 at 5:20")


def test_line_above_an_attribution_is_not_part_of_it() -> None:
    text = (
        "확인 부탁드립니다.\n2025년 11월 3일 (월) 오전 9:41, 홍길동 <a@b.kr>님이 작성:\n> 옛날 내용"
    )
    new, _, _ = split_reply(text)
    assert new == "확인 부탁드립니다."


@pytest.mark.parametrize(
    "sentence",
    [
        "Счёт № 45 от 3 ноября: где оплата?",
        "Прошу проверить счёт № 45 от 3 ноября:",
        "On Monday the driver wrote: nothing.",
        "2번 항목 작성:",
        "From: the warehouse team we heard nothing.",
        "Toplantı 14:00'te yapılacak, lütfen yazdı: bilgisine.",
    ],
)
def test_ordinary_sentences_are_not_markers(sentence: str) -> None:
    text = f"Hello,\n{sentence}\nMore new text here.\n"
    new, quoted, _ = split_reply(text)
    assert quoted == ""
    assert "More new text here." in new


def test_inline_and_bottom_posted_replies_keep_new_text() -> None:
    text = (
        "On 03.11.2025 09:41, Anna wrote:\n> Question one?\n\nAnswer one.\n\n"
        "> Question two?\n\nAnswer two.\n"
    )
    new, quoted, _ = split_reply(text)
    assert new == "Answer one.\n\nAnswer two."
    assert "Question one?" in quoted and "Question two?" in quoted


@pytest.mark.parametrize(
    ("text", "expected_new", "expected_signature"),
    [
        ("Fine.\n\n-- \nJohn | CTO\n+1 555 0100", "Fine.", "--\nJohn | CTO\n+1 555 0100"),
        ("Fine.\n\nSent from my iPhone", "Fine.", "Sent from my iPhone"),
        ("Хорошо.\n\nОтправлено с iPhone", "Хорошо.", "Отправлено с iPhone"),
        ("Tamam.\n\niPhone'umdan gönderildi", "Tamam.", "iPhone'umdan gönderildi"),
        ("네 알겠습니다.\n\niPhone에서 보냄", "네 알겠습니다.", "iPhone에서 보냄"),
        ("Fine.\n\nGet Outlook for Android", "Fine.", "Get Outlook for Android"),
        (
            "Where is the refund?\n\nBest regards,\nJohn Smith\nProcurement Manager\nAcme Corp",
            "Where is the refund?\n\nBest regards,",
            "John Smith\nProcurement Manager\nAcme Corp",
        ),
        (
            "Where is the refund?\n\nBest regards, John Smith",
            "Where is the refund?\n\nBest regards",
            "John Smith",
        ),
        (
            "Где возврат?\n\nС уважением,\nИван Петров\nООО «Ромашка»\nТел.: +7 (495) 123-45-67",
            "Где возврат?\n\nС уважением,",
            "Иван Петров\nООО «Ромашка»\nТел.: +7 (495) 123-45-67",
        ),
        (
            "İade nerede?\n\nSaygılarımla,\nMehmet Demir\nSatın Alma Müdürü",
            "İade nerede?\n\nSaygılarımla,",
            "Mehmet Demir\nSatın Alma Müdürü",
        ),
        (
            "확인 부탁드립니다.\n\n감사합니다.\n홍길동 드림\n(주)한빛상사 과장\nTel. 02-1234-5678",
            "확인 부탁드립니다.\n\n감사합니다.",
            "홍길동 드림\n(주)한빛상사 과장\nTel. 02-1234-5678",
        ),
        (
            "확인 부탁드립니다.\n\n감사합니다.\n\n홍길동\n(주)한빛상사 과장\nTel. 02-1234-5678",
            "확인 부탁드립니다.\n\n감사합니다.",
            "홍길동\n(주)한빛상사 과장\nTel. 02-1234-5678",
        ),
        (
            "Server is down again.\n\nNina Alvarez\nCTO, Parcelly\n+44 20 7946 0958",
            "Server is down again.",
            "Nina Alvarez\nCTO, Parcelly\n+44 20 7946 0958",
        ),
    ],
)
def test_signatures(text: str, expected_new: str, expected_signature: str) -> None:
    new, quoted, signature = split_reply(text)
    assert (new, quoted, signature) == (expected_new, "", expected_signature)


@pytest.mark.parametrize(
    "text",
    [
        "감사합니다.",
        "Thanks for your help with the order\nit arrived in good shape",
        "Thanks,\nbut this is the third time the delivery is late and I want a written explanation "
        "from your manager about why nobody answered our calls last week.",
        "Regards",
    ],
)
def test_sign_off_lines_and_sentences_stay_in_text(text: str) -> None:
    new, _, signature = split_reply(text)
    assert new == text and signature == ""


def test_message_that_is_only_a_signature_line_is_kept() -> None:
    assert split_reply("Sent from my iPhone")[0] == "Sent from my iPhone"


def test_nested_attribution_inside_quote_is_found() -> None:
    quoted = "> On Nov 3, 2025, at 9:41\u202fAM, Shop <s@x.com> wrote:\n> \n> hello"
    found = find_attribution(quoted)
    assert found is not None and found.language == "en"


def test_no_attribution() -> None:
    assert find_attribution("> just quoted text\n> more") is None
    assert split_reply("") == ("", "", "")


def test_windows_line_endings() -> None:
    new, quoted, _ = split_reply(f"{NEW}\r\n\r\nOn 03.11.2025 09:41, John wrote:\r\n> {OLD}\r\n")
    assert new == NEW and OLD in quoted


# --- pathological input: behaviour only (bench/cleaner.py times it and checks it is linear) ----

ATTRIBUTION = "On Mon, Nov 3, 2025 at 9:41 AM Ann Lee <ann@client.example> wrote:"


def test_ten_thousand_quote_lines_are_all_history() -> None:
    new, quoted, _ = split_reply(f"{NEW}\n\n{ATTRIBUTION}\n" + "> old line\n" * 10_000)
    assert new == NEW
    assert quoted.count("> old line") == 10_000
    found = find_attribution(quoted)
    assert found is not None and "9:41" in found.date_text


def test_ten_thousand_quote_lines_without_attribution_keep_the_reply_below() -> None:
    new, quoted, _ = split_reply("> > > old text\n" * 10_000 + "\nMy answer is below all that.")
    assert new == "My answer is below all that."
    assert find_attribution(quoted) is None


def test_a_huge_unquoted_history_below_an_attribution_is_history() -> None:
    history = "\n".join(f"Line {n} of the earlier message." for n in range(20_000))
    new, quoted, _ = split_reply(f"{NEW}\n\n{ATTRIBUTION}\n{history}")
    assert new == NEW and quoted.endswith("Line 19999 of the earlier message.")


def test_one_enormous_line_is_text_not_an_attribution() -> None:
    line = "On Monday " + "blah " * 200_000 + "wrote:"
    new, quoted, signature = split_reply(line)
    assert (new, quoted, signature) == (line.strip(), "", "")


@pytest.mark.parametrize(
    "repeated",
    [
        "Please see the 3 points below:\n",
        "From: a@b.example\nTo: c\n",
        "-Roman\n",
        "Thanks,\nBob\n",
    ],
)
def test_thousands_of_lines_a_rule_looks_at_lose_nothing(repeated: str) -> None:
    new, quoted, signature = split_reply(f"{NEW}\n\n" + repeated * 5_000)
    assert new.startswith(NEW)
    assert len(new) + len(quoted) + len(signature) >= len(repeated * 5_000) * 0.9


def test_thousands_of_phone_lines_are_one_signature() -> None:
    new, quoted, signature = split_reply(f"{NEW}\n\n" + "Sent from my iPhone\n" * 5_000)
    assert (new, quoted) == (NEW, "")
    assert signature.count("Sent from my iPhone") == 5_000


def test_a_huge_header_block_in_mime_parses() -> None:
    from service.mail.parse import parse_mime

    head = "From: Client <c@client.example>\r\nTo: s@vendor.example\r\nSubject: x\r\n"
    trace = "".join(f"X-Trace-{n}: {'a' * 60}\r\n" for n in range(20_000))
    references = "References:" + "".join(f" <{n}@a.example>\r\n" for n in range(5_000))
    message = parse_mime(f"{head}{trace}{references}\r\n{NEW}\r\n".encode())
    assert message.text == NEW and len(message.references) == 5_000
