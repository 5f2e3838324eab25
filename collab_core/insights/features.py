"""Text features for the insight detectors: bilingual tokens, a small glossary of loanwords, TF-IDF matching.

Korean words lose their trailing particles (정산금은 → 정산금) and longer Hangul words also yield their
syllable bigrams, so compound nouns match their parts (수수료율 ~ 수수료). A short glossary maps common
software/business English terms to the Korean loanword or term teams write in mixed chat (modal → 모달,
refund → 환불), so an English message can find a Korean task title. Matching is TF-IDF over the task
corpus: a word shared by many tasks (정산, 배치) weighs little, a distinctive one (런북, SSO) a lot.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

_WORD = re.compile(r"[a-z0-9][a-z0-9_+#-]*|[가-힣]+")
_JOSA = (
    "에서는",
    "에서도",
    "으로는",
    "으로도",
    "이라서",
    "이에요",
    "입니다",
    "에서",
    "으로",
    "에게",
    "까지",
    "부터",
    "처럼",
    "보다",
    "라서",
    "이랑",
    "하고",
    "이나",
    "예요",
    "은",
    "는",
    "이",
    "가",
    "을",
    "를",
    "에",
    "의",
    "도",
    "만",
    "로",
    "와",
    "과",
    "랑",
    "요",
)
_STOP_WORDS = (
    "the a an and or to of in on for is are be it this that with at by from as i we you he she they me my our "
    "so do did does not no yes ok okay just still now today tomorrow will would can could should have has had "
    "was were been im ill its lets let get got up out about any some all what when who how why there here "
    "제가 저는 저도 저 그럼 그거 이거 이번 오늘 내일 지금 아직 다시 혹시 그리고 근데 일단 좀 진짜 넵 네 아 오 "
    "감사합니다 감사해요 부탁드려요 했어요 해요 있어요 같아요 거 것 수 더 다 잘 또 님 분"
)
_STOP = frozenset(_STOP_WORDS.split())
# English term -> Korean term used in mixed-language chat (loanwords and standard translations).
GLOSSARY = {
    "email": "이메일",
    "emails": "이메일",
    "mail": "메일",
    "mailer": "메일",
    "modal": "모달",
    "table": "테이블",
    "filter": "필터",
    "filters": "필터",
    "batch": "배치",
    "refund": "환불",
    "refunds": "환불",
    "cancel": "취소",
    "session": "세션",
    "slack": "슬랙",
    "schema": "스키마",
    "migration": "마이그레이션",
    "parser": "파서",
    "fee": "수수료",
    "fees": "수수료",
    "settlement": "정산",
    "settlements": "정산",
    "merchant": "가맹점",
    "merchants": "가맹점",
    "dashboard": "대시보드",
    "card": "카드",
    "cards": "카드",
    "design": "디자인",
    "docs": "문서",
    "document": "문서",
    "test": "테스트",
    "tests": "테스트",
    "bug": "버그",
    "account": "계정",
    "accounts": "계정",
    "permission": "권한",
    "permissions": "권한",
    "auth": "권한",
    "runbook": "런북",
    "monitoring": "모니터링",
    "alert": "알림",
    "alerts": "알림",
    "notification": "알림",
    "reconciliation": "대사",
    "export": "내보내기",
    "download": "다운로드",
    "calendar": "캘린더",
    "staging": "스테이징",
    "index": "인덱스",
    "partitioning": "파티셔닝",
    "performance": "성능",
    "copy": "문구",
    "wording": "문구",
    "tooltip": "툴팁",
    "empty": "빈",
    "error": "에러",
    "screen": "화면",
    "guide": "가이드",
    "onboarding": "온보딩",
    "hold": "보류",
    "legal": "법무",
    "deploy": "배포",
    "release": "배포",
    "review": "리뷰",
    "template": "템플릿",
    "pagination": "페이지네이션",
    "api": "api",
}


def _strip_josa(word: str) -> str:
    for suffix in _JOSA:
        if len(word) > len(suffix) + 1 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def tokens(text: str, *, bigrams: bool = True) -> list[str]:
    """Content tokens of `text` (lower-cased, particles stripped, glossary terms added, Hangul bigrams)."""
    out: list[str] = []
    for raw in _WORD.findall(text.lower()):
        if raw[0] >= "가":
            word = _strip_josa(raw)
            if word in _STOP or len(word) < 2:
                continue
            out.append(word)
            if bigrams and len(word) >= 3:
                out.extend(word[i : i + 2] for i in range(len(word) - 1))
        else:
            word = raw.strip("-_+")
            if len(word) < 2 or word in _STOP or word.isdigit():
                continue
            out.append(word)
            ko = GLOSSARY.get(word) or GLOSSARY.get(word.rstrip("s"))
            if ko:
                out.append(ko)
    return out


class Vectorizer:
    """TF-IDF over a document collection; `vector` gives a unit-normalised sparse vector (dict)."""

    def __init__(self, docs: Iterable[list[str]]) -> None:
        df: Counter[str] = Counter()
        n = 0
        for doc in docs:
            n += 1
            df.update(set(doc))
        self.n = max(n, 1)
        self.df = df

    @classmethod
    def from_counts(cls, df: Counter[str], n: int) -> Vectorizer:
        """A vectorizer from document frequencies kept elsewhere (e.g. updated message by message)."""
        vz = cls(())
        vz.df, vz.n = df, max(n, 1)
        return vz

    def idf(self, token: str) -> float:
        return math.log((self.n + 1) / (self.df.get(token, 0) + 1)) + 1.0

    def vector(self, toks: list[str]) -> dict[str, float]:
        tf = Counter(toks)
        vec = {t: (1.0 + math.log(c)) * self.idf(t) for t, c in tf.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    """Dot product of two unit sparse vectors."""
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


def task_text(title: str, description: str = "", labels: Iterable[str] = ()) -> str:
    """The text a task is matched on: title, labels and description."""
    return " ".join([title, " ".join(labels), description])
