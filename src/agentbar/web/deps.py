"""The FastAPI dependencies through which routes reach the services, one per service, each
typed with the service's class: a route names what it uses, and nothing else is in reach."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from agentbar.metrics import Metrics
from agentbar.ports import Clock
from agentbar.services.audit import Audit
from agentbar.services.browser_phone import BrowserPhones
from agentbar.services.cluster import Cluster
from agentbar.services.configuration import Configuration
from agentbar.services.crm_settings import CrmSettings
from agentbar.services.do_not_call import DoNotCallList
from agentbar.services.event_replay import EventReplay
from agentbar.services.leads import LeadIntake
from agentbar.services.provisioning import Provisioning
from agentbar.services.readiness import Readiness
from agentbar.services.reports import Reports
from agentbar.services.runtime import Runtime
from agentbar.services.sandbox import SandboxCalls
from agentbar.services.sessions import Sessions
from agentbar.services.supervision import Supervision
from agentbar.services.webhooks import WebhookReceivers
from agentbar.web.admin_guard import AdminGuard
from agentbar.web.app_services import AppServices
from agentbar.web.security import AdminToken
from agentbar.web.socket_budget import SocketBudget


def _services(connection: HTTPConnection) -> AppServices:
    services: AppServices = connection.app.state.services
    return services


# HTTPConnection, not Request: the same dependencies serve HTTP routes and WebSocket routes.
# Each is `async def` although it awaits nothing: FastAPI runs a plain `def` dependency in its
# thread pool, a hop to a worker thread and back for reading an attribute, on every request.


async def admin_token(connection: HTTPConnection) -> AdminToken:
    return _services(connection).admin_token


async def admin_guard(connection: HTTPConnection) -> AdminGuard:
    """The admin token with its throttle on wrong guesses: one per application."""
    guard: AdminGuard = connection.app.state.admin_guard
    return guard


async def socket_budget(connection: HTTPConnection) -> SocketBudget:
    return _services(connection).sockets


async def browser_phones(connection: HTTPConnection) -> BrowserPhones:
    return _services(connection).browser_phones


async def clock(connection: HTTPConnection) -> Clock:
    return _services(connection).clock


async def runtime(connection: HTTPConnection) -> Runtime:
    return _services(connection).runtime


async def cluster(connection: HTTPConnection) -> Cluster:
    return _services(connection).cluster


async def readiness(connection: HTTPConnection) -> Readiness:
    return _services(connection).readiness


async def metrics(connection: HTTPConnection) -> Metrics:
    return _services(connection).metrics


async def sessions(connection: HTTPConnection) -> Sessions:
    return _services(connection).sessions


async def event_replay(connection: HTTPConnection) -> EventReplay:
    return _services(connection).event_replay


async def crm_settings(connection: HTTPConnection) -> CrmSettings:
    return _services(connection).crm_settings


async def provisioning(connection: HTTPConnection) -> Provisioning:
    return _services(connection).provisioning


async def do_not_call(connection: HTTPConnection) -> DoNotCallList:
    return _services(connection).do_not_call


async def lead_intake(connection: HTTPConnection) -> LeadIntake:
    return _services(connection).leads


async def webhook_receivers(connection: HTTPConnection) -> WebhookReceivers:
    return _services(connection).webhooks


async def configuration(connection: HTTPConnection) -> Configuration:
    return _services(connection).configuration


async def audit(connection: HTTPConnection) -> Audit:
    return _services(connection).audit


async def supervision(connection: HTTPConnection) -> Supervision:
    return _services(connection).supervision


async def reports(connection: HTTPConnection) -> Reports:
    return _services(connection).reports


async def sandbox(connection: HTTPConnection) -> SandboxCalls | None:
    return _services(connection).sandbox


async def client(connection: HTTPConnection) -> str | None:
    """The caller's address, for the audit log."""
    return connection.client.host if connection.client else None


AdminTokenDep = Annotated[AdminToken, Depends(admin_token)]
AdminGuardDep = Annotated[AdminGuard, Depends(admin_guard)]
ClockDep = Annotated[Clock, Depends(clock)]
BrowserPhonesDep = Annotated[BrowserPhones, Depends(browser_phones)]
SocketBudgetDep = Annotated[SocketBudget, Depends(socket_budget)]
RuntimeDep = Annotated[Runtime, Depends(runtime)]
DoNotCallDep = Annotated[DoNotCallList, Depends(do_not_call)]
ReadinessDep = Annotated[Readiness, Depends(readiness)]
ClusterDep = Annotated[Cluster, Depends(cluster)]
MetricsDep = Annotated[Metrics, Depends(metrics)]
SessionsDep = Annotated[Sessions, Depends(sessions)]
EventReplayDep = Annotated[EventReplay, Depends(event_replay)]
CrmSettingsDep = Annotated[CrmSettings, Depends(crm_settings)]
ProvisioningDep = Annotated[Provisioning, Depends(provisioning)]
LeadIntakeDep = Annotated[LeadIntake, Depends(lead_intake)]
WebhookReceiversDep = Annotated[WebhookReceivers, Depends(webhook_receivers)]
ConfigurationDep = Annotated[Configuration, Depends(configuration)]
AuditDep = Annotated[Audit, Depends(audit)]
SupervisionDep = Annotated[Supervision, Depends(supervision)]
ReportsDep = Annotated[Reports, Depends(reports)]
SandboxDep = Annotated[SandboxCalls | None, Depends(sandbox)]
ClientDep = Annotated[str | None, Depends(client)]

_bearer = HTTPBearer(auto_error=False)


async def require_admin(request: Request, token: AdminTokenDep) -> None:
    # Read by hand, not as a dependency: the OpenAPI document declares no security scheme.
    credentials: HTTPAuthorizationCredentials | None = await _bearer(request)
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "admin token required: send 'Authorization: Bearer <AGENTBAR_ADMIN_TOKEN>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not token.accepts(credentials.credentials):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admin token is not valid")
