from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Verdict(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VERDICT_UNSPECIFIED: _ClassVar[Verdict]
    CORRECT: _ClassVar[Verdict]
    WRONG: _ClassVar[Verdict]
    NO_ANSWER: _ClassVar[Verdict]
    COMPILE_ERROR: _ClassVar[Verdict]
    RUNTIME_ERROR: _ClassVar[Verdict]
    TIME_LIMIT: _ClassVar[Verdict]
    MEMORY_LIMIT: _ClassVar[Verdict]
    OUTPUT_LIMIT: _ClassVar[Verdict]
    INFRA_ERROR: _ClassVar[Verdict]
VERDICT_UNSPECIFIED: Verdict
CORRECT: Verdict
WRONG: Verdict
NO_ANSWER: Verdict
COMPILE_ERROR: Verdict
RUNTIME_ERROR: Verdict
TIME_LIMIT: Verdict
MEMORY_LIMIT: Verdict
OUTPUT_LIMIT: Verdict
INFRA_ERROR: Verdict

class ScoreRequest(_message.Message):
    __slots__ = ("groups",)
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    groups: _containers.RepeatedCompositeFieldContainer[Group]
    def __init__(self, groups: _Optional[_Iterable[_Union[Group, _Mapping]]] = ...) -> None: ...

class ScoreResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[GroupResult]
    def __init__(self, results: _Optional[_Iterable[_Union[GroupResult, _Mapping]]] = ...) -> None: ...

class Group(_message.Message):
    __slots__ = ("group_id", "task", "completions", "reward", "completion_lengths")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_FIELD_NUMBER: _ClassVar[int]
    COMPLETIONS_FIELD_NUMBER: _ClassVar[int]
    REWARD_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_LENGTHS_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    task: Task
    completions: _containers.RepeatedScalarFieldContainer[str]
    reward: RewardSpec
    completion_lengths: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, group_id: _Optional[str] = ..., task: _Optional[_Union[Task, _Mapping]] = ..., completions: _Optional[_Iterable[str]] = ..., reward: _Optional[_Union[RewardSpec, _Mapping]] = ..., completion_lengths: _Optional[_Iterable[int]] = ...) -> None: ...

class Task(_message.Message):
    __slots__ = ("math", "code")
    MATH_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    math: MathTask
    code: CodeTask
    def __init__(self, math: _Optional[_Union[MathTask, _Mapping]] = ..., code: _Optional[_Union[CodeTask, _Mapping]] = ...) -> None: ...

class MathTask(_message.Message):
    __slots__ = ("gold",)
    GOLD_FIELD_NUMBER: _ClassVar[int]
    gold: str
    def __init__(self, gold: _Optional[str] = ...) -> None: ...

class CodeTask(_message.Message):
    __slots__ = ("language", "io", "function", "asserts", "limits", "report_tests")
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    IO_FIELD_NUMBER: _ClassVar[int]
    FUNCTION_FIELD_NUMBER: _ClassVar[int]
    ASSERTS_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    REPORT_TESTS_FIELD_NUMBER: _ClassVar[int]
    language: str
    io: IoTests
    function: FunctionTests
    asserts: AssertTests
    limits: Limits
    report_tests: bool
    def __init__(self, language: _Optional[str] = ..., io: _Optional[_Union[IoTests, _Mapping]] = ..., function: _Optional[_Union[FunctionTests, _Mapping]] = ..., asserts: _Optional[_Union[AssertTests, _Mapping]] = ..., limits: _Optional[_Union[Limits, _Mapping]] = ..., report_tests: _Optional[bool] = ...) -> None: ...

class IoTests(_message.Message):
    __slots__ = ("cases", "compare", "checker")
    CASES_FIELD_NUMBER: _ClassVar[int]
    COMPARE_FIELD_NUMBER: _ClassVar[int]
    CHECKER_FIELD_NUMBER: _ClassVar[int]
    cases: _containers.RepeatedCompositeFieldContainer[IoCase]
    compare: Compare
    checker: Checker
    def __init__(self, cases: _Optional[_Iterable[_Union[IoCase, _Mapping]]] = ..., compare: _Optional[_Union[Compare, _Mapping]] = ..., checker: _Optional[_Union[Checker, _Mapping]] = ...) -> None: ...

class Compare(_message.Message):
    __slots__ = ("abs_tolerance", "rel_tolerance", "ignore_case", "ignore_whitespace")
    ABS_TOLERANCE_FIELD_NUMBER: _ClassVar[int]
    REL_TOLERANCE_FIELD_NUMBER: _ClassVar[int]
    IGNORE_CASE_FIELD_NUMBER: _ClassVar[int]
    IGNORE_WHITESPACE_FIELD_NUMBER: _ClassVar[int]
    abs_tolerance: float
    rel_tolerance: float
    ignore_case: bool
    ignore_whitespace: bool
    def __init__(self, abs_tolerance: _Optional[float] = ..., rel_tolerance: _Optional[float] = ..., ignore_case: _Optional[bool] = ..., ignore_whitespace: _Optional[bool] = ...) -> None: ...

class Checker(_message.Message):
    __slots__ = ("language", "source")
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    language: str
    source: str
    def __init__(self, language: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class IoCase(_message.Message):
    __slots__ = ("stdin", "expected_stdout")
    STDIN_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_STDOUT_FIELD_NUMBER: _ClassVar[int]
    stdin: str
    expected_stdout: str
    def __init__(self, stdin: _Optional[str] = ..., expected_stdout: _Optional[str] = ...) -> None: ...

class FunctionTests(_message.Message):
    __slots__ = ("entry_point", "cases")
    ENTRY_POINT_FIELD_NUMBER: _ClassVar[int]
    CASES_FIELD_NUMBER: _ClassVar[int]
    entry_point: str
    cases: _containers.RepeatedCompositeFieldContainer[FunctionCase]
    def __init__(self, entry_point: _Optional[str] = ..., cases: _Optional[_Iterable[_Union[FunctionCase, _Mapping]]] = ...) -> None: ...

class FunctionCase(_message.Message):
    __slots__ = ("args_json", "expected_json")
    ARGS_JSON_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_JSON_FIELD_NUMBER: _ClassVar[int]
    args_json: str
    expected_json: str
    def __init__(self, args_json: _Optional[str] = ..., expected_json: _Optional[str] = ...) -> None: ...

class AssertTests(_message.Message):
    __slots__ = ("entry_point", "test_code")
    ENTRY_POINT_FIELD_NUMBER: _ClassVar[int]
    TEST_CODE_FIELD_NUMBER: _ClassVar[int]
    entry_point: str
    test_code: str
    def __init__(self, entry_point: _Optional[str] = ..., test_code: _Optional[str] = ...) -> None: ...

class Limits(_message.Message):
    __slots__ = ("time_limit_s", "memory_mb")
    TIME_LIMIT_S_FIELD_NUMBER: _ClassVar[int]
    MEMORY_MB_FIELD_NUMBER: _ClassVar[int]
    time_limit_s: float
    memory_mb: int
    def __init__(self, time_limit_s: _Optional[float] = ..., memory_mb: _Optional[int] = ...) -> None: ...

class RewardSpec(_message.Message):
    __slots__ = ("format_weight", "max_length", "overlong_buffer", "correctness_weight", "overlong_penalty", "reasoning_open", "reasoning_close", "language", "language_weight")
    FORMAT_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    MAX_LENGTH_FIELD_NUMBER: _ClassVar[int]
    OVERLONG_BUFFER_FIELD_NUMBER: _ClassVar[int]
    CORRECTNESS_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    OVERLONG_PENALTY_FIELD_NUMBER: _ClassVar[int]
    REASONING_OPEN_FIELD_NUMBER: _ClassVar[int]
    REASONING_CLOSE_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    format_weight: float
    max_length: int
    overlong_buffer: int
    correctness_weight: float
    overlong_penalty: float
    reasoning_open: str
    reasoning_close: str
    language: str
    language_weight: float
    def __init__(self, format_weight: _Optional[float] = ..., max_length: _Optional[int] = ..., overlong_buffer: _Optional[int] = ..., correctness_weight: _Optional[float] = ..., overlong_penalty: _Optional[float] = ..., reasoning_open: _Optional[str] = ..., reasoning_close: _Optional[str] = ..., language: _Optional[str] = ..., language_weight: _Optional[float] = ...) -> None: ...

class GroupResult(_message.Message):
    __slots__ = ("group_id", "scores", "reward_mean", "reward_std", "infra_errors", "error")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    REWARD_MEAN_FIELD_NUMBER: _ClassVar[int]
    REWARD_STD_FIELD_NUMBER: _ClassVar[int]
    INFRA_ERRORS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    scores: _containers.RepeatedCompositeFieldContainer[CompletionScore]
    reward_mean: float
    reward_std: float
    infra_errors: int
    error: GroupError
    def __init__(self, group_id: _Optional[str] = ..., scores: _Optional[_Iterable[_Union[CompletionScore, _Mapping]]] = ..., reward_mean: _Optional[float] = ..., reward_std: _Optional[float] = ..., infra_errors: _Optional[int] = ..., error: _Optional[_Union[GroupError, _Mapping]] = ...) -> None: ...

class GroupError(_message.Message):
    __slots__ = ("code", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    def __init__(self, code: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class CompletionScore(_message.Message):
    __slots__ = ("reward", "verdict", "components", "extracted_answer", "tests_passed", "tests_total", "detail", "tests")
    class ComponentsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    REWARD_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    COMPONENTS_FIELD_NUMBER: _ClassVar[int]
    EXTRACTED_ANSWER_FIELD_NUMBER: _ClassVar[int]
    TESTS_PASSED_FIELD_NUMBER: _ClassVar[int]
    TESTS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    TESTS_FIELD_NUMBER: _ClassVar[int]
    reward: float
    verdict: Verdict
    components: _containers.ScalarMap[str, float]
    extracted_answer: str
    tests_passed: int
    tests_total: int
    detail: str
    tests: _containers.RepeatedCompositeFieldContainer[TestResult]
    def __init__(self, reward: _Optional[float] = ..., verdict: _Optional[_Union[Verdict, str]] = ..., components: _Optional[_Mapping[str, float]] = ..., extracted_answer: _Optional[str] = ..., tests_passed: _Optional[int] = ..., tests_total: _Optional[int] = ..., detail: _Optional[str] = ..., tests: _Optional[_Iterable[_Union[TestResult, _Mapping]]] = ...) -> None: ...

class TestResult(_message.Message):
    __slots__ = ("verdict", "time_s", "detail")
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    TIME_S_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    verdict: Verdict
    time_s: float
    detail: str
    def __init__(self, verdict: _Optional[_Union[Verdict, str]] = ..., time_s: _Optional[float] = ..., detail: _Optional[str] = ...) -> None: ...

class GetServerInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ServerInfo(_message.Message):
    __slots__ = ("version", "verifiers", "languages", "limits", "language_info", "reasoning_languages")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    VERIFIERS_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_INFO_FIELD_NUMBER: _ClassVar[int]
    REASONING_LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    version: str
    verifiers: _containers.RepeatedScalarFieldContainer[str]
    languages: _containers.RepeatedScalarFieldContainer[str]
    limits: ServerLimits
    language_info: _containers.RepeatedCompositeFieldContainer[LanguageInfo]
    reasoning_languages: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, version: _Optional[str] = ..., verifiers: _Optional[_Iterable[str]] = ..., languages: _Optional[_Iterable[str]] = ..., limits: _Optional[_Union[ServerLimits, _Mapping]] = ..., language_info: _Optional[_Iterable[_Union[LanguageInfo, _Mapping]]] = ..., reasoning_languages: _Optional[_Iterable[str]] = ...) -> None: ...

class ServerLimits(_message.Message):
    __slots__ = ("max_completions_per_group", "max_completion_bytes", "max_groups_per_request", "max_message_bytes", "max_queued_completions", "math_timeout_s", "default_time_limit_s", "default_memory_mb", "max_time_limit_s", "max_memory_mb")
    MAX_COMPLETIONS_PER_GROUP_FIELD_NUMBER: _ClassVar[int]
    MAX_COMPLETION_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_GROUPS_PER_REQUEST_FIELD_NUMBER: _ClassVar[int]
    MAX_MESSAGE_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_QUEUED_COMPLETIONS_FIELD_NUMBER: _ClassVar[int]
    MATH_TIMEOUT_S_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_TIME_LIMIT_S_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_MEMORY_MB_FIELD_NUMBER: _ClassVar[int]
    MAX_TIME_LIMIT_S_FIELD_NUMBER: _ClassVar[int]
    MAX_MEMORY_MB_FIELD_NUMBER: _ClassVar[int]
    max_completions_per_group: int
    max_completion_bytes: int
    max_groups_per_request: int
    max_message_bytes: int
    max_queued_completions: int
    math_timeout_s: float
    default_time_limit_s: float
    default_memory_mb: int
    max_time_limit_s: float
    max_memory_mb: int
    def __init__(self, max_completions_per_group: _Optional[int] = ..., max_completion_bytes: _Optional[int] = ..., max_groups_per_request: _Optional[int] = ..., max_message_bytes: _Optional[int] = ..., max_queued_completions: _Optional[int] = ..., math_timeout_s: _Optional[float] = ..., default_time_limit_s: _Optional[float] = ..., default_memory_mb: _Optional[int] = ..., max_time_limit_s: _Optional[float] = ..., max_memory_mb: _Optional[int] = ...) -> None: ...

class LanguageInfo(_message.Message):
    __slots__ = ("name", "version", "image", "test_kinds", "compile_time_limit_s", "compile_memory_mb", "fence_tags")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    TEST_KINDS_FIELD_NUMBER: _ClassVar[int]
    COMPILE_TIME_LIMIT_S_FIELD_NUMBER: _ClassVar[int]
    COMPILE_MEMORY_MB_FIELD_NUMBER: _ClassVar[int]
    FENCE_TAGS_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: str
    image: str
    test_kinds: _containers.RepeatedScalarFieldContainer[str]
    compile_time_limit_s: float
    compile_memory_mb: int
    fence_tags: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., version: _Optional[str] = ..., image: _Optional[str] = ..., test_kinds: _Optional[_Iterable[str]] = ..., compile_time_limit_s: _Optional[float] = ..., compile_memory_mb: _Optional[int] = ..., fence_tags: _Optional[_Iterable[str]] = ...) -> None: ...
