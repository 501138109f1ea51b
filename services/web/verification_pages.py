"""The public certificate check: a plain form, the masked result."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import Parameter
from litestar.response import Response

from schemas.ratings import CertificateVerification
from services.platform.public_api import ApiError

from .render import api, page

AnyRequest = Request[Any, Any, Any]


class VerificationPages(Controller):
    include_in_schema = False

    @get("/verify")
    async def verify(
        self,
        request: AnyRequest,
        number: Annotated[str, Parameter(max_length=40)] = "",
        name: Annotated[str, Parameter(max_length=200)] = "",
    ) -> Response[str]:
        number, name = number.strip(), name.strip()
        certificate: CertificateVerification | None = None
        problem: dict[str, Any] | None = None
        status = 200
        if number:
            async with api(request) as public:
                try:
                    certificate = await public.find(
                        f"/certificates/{number}", CertificateVerification, {"name": name}
                    )
                except ApiError as exc:
                    if exc.status not in (400, 429):
                        raise
                    problem, status = exc.problem, exc.status
            if certificate is None and problem is None:
                status = 404
        return page(
            request,
            "verify.html",
            status=status,
            number=number,
            holder_name=name,
            asked=bool(number),
            certificate=certificate,
            problem=problem,
            problem_status=status,
        )
