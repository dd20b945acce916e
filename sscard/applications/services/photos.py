"""Writes of card photos (SH-11): store a checked photo, or fetch one from a shared source.

Checking and re-encoding an image, and the storage under its digest, are in
``applications.photos``; this module decides who may store whose photo and records it.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from sscard.applications.choices import SHARED_ORIGINS, PhotoOrigin
from sscard.applications.errors import ApplicationsErrorCode
from sscard.applications.models import Photo
from sscard.applications.photos import (
    STORED_CONTENT_TYPE,
    PreparedPhoto,
    photo_file_write,
    photo_files_write_many,
    photo_source,
    prepare_photo,
)
from sscard.core.actors import Actor, Role
from sscard.core.audit import AuditFact, audit_append, audit_append_each
from sscard.core.errors import ApplicationError, NotFound, PermissionDenied
from sscard.registry.models import Person

# Counter clerks capture photos; HR uploads its staff's; a holder (or a parent) their own;
# the system fetches shared ones.
PHOTO_ROLES = frozenset(
    {Role.COMMUNITY_CLERK, Role.BANK_CLERK, Role.EMPLOYER_HR, Role.CARDHOLDER, Role.SYSTEM}
)


def _check_may_handle(actor: Actor, person: Person) -> None:
    if actor.role not in PHOTO_ROLES:
        raise PermissionDenied("store a card photo", "保存制卡照片")
    if actor.role is Role.CARDHOLDER:
        own = actor.person_id is not None and actor.person_id in (person.pk, person.guardian_id)
        if not own:
            raise NotFound("person", what_zh="该人员")
    if actor.role is Role.EMPLOYER_HR and (
        actor.employer_id is None or person.employer_id != actor.employer_id
    ):
        raise NotFound("person", what_zh="该人员")


def photo_store(*, actor: Actor, person: Person, source: str, data: bytes) -> Photo:
    """Check, re-encode and store a photo of ``person``; the same photo again is the same row.

    Refuses with ``photo_too_large``, ``photo_not_image``, ``photo_format_unsupported``,
    ``photo_too_small`` or ``photo_dimensions`` (see ``photos.prepare_photo``), and with
    ``photo_duplicate`` when the very same photo is already on record for someone else.
    """
    _check_may_handle(actor, person)
    if source not in PhotoOrigin.values:
        raise ApplicationsErrorCode.PHOTO_SOURCE_INVALID.error(source=source)
    prepared = prepare_photo(data)
    # The file first: a row never points at a missing file. A rolled-back row leaves a file
    # nobody refers to, which is harmless (and the next store of that photo reuses it).
    photo_file_write(prepared.digest, prepared.data)
    with transaction.atomic():
        photo, created = Photo.objects.get_or_create(
            digest=prepared.digest,
            defaults={
                "source": source,
                "content_type": STORED_CONTENT_TYPE,
                "width": prepared.width,
                "height": prepared.height,
                "bytes": len(prepared.data),
                "person": person,
                "created_at": timezone.now(),
            },
        )
        if not created:
            if photo.person_id != person.pk:
                raise ApplicationsErrorCode.PHOTO_DUPLICATE.error()
            return photo
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="photo_store",
                object_type="applications.photo",
                object_id=str(photo.pk),
                changes={
                    "person_id": person.pk,
                    "source": source,
                    "digest": photo.digest,
                    "width": photo.width,
                    "height": photo.height,
                    "bytes": photo.bytes,
                },
            ),
        )
    return photo


def photo_from_source(*, actor: Actor, person: Person, source: str) -> Photo:
    """Fetch ``person``'s photo from a shared source (ID card, student card) and store it.

    ``photo_source_unavailable`` when the source has no photo of the person.
    """
    if source not in SHARED_ORIGINS:
        raise ApplicationsErrorCode.PHOTO_SOURCE_INVALID.error(source=source)
    _check_may_handle(actor, person)
    data = photo_source().fetch(person=person, source=PhotoOrigin(source))
    if data is None:
        raise ApplicationsErrorCode.PHOTO_SOURCE_UNAVAILABLE.error(source=source)
    return photo_store(actor=actor, person=person, source=source, data=data)


def photos_from_source_many_in_transaction(
    wanted: Sequence[tuple[Actor, Person, str]],
) -> list[Photo | ApplicationError]:
    """:func:`photo_from_source` for many persons at once, in the caller's transaction: each
    fetched, checked and refused as one call is (the refusal answered in its place), the files
    written and made durable together, the new rows inserted in one statement and audited in
    one append. Two persons whose shared photos are the very same image: the second is refused
    ``photo_duplicate``, as it would be one call after the other."""
    answers: list[Photo | ApplicationError | PreparedPhoto] = []
    for actor, person, source in wanted:
        try:
            if source not in SHARED_ORIGINS:
                raise ApplicationsErrorCode.PHOTO_SOURCE_INVALID.error(source=source)
            _check_may_handle(actor, person)
            data = photo_source().fetch(person=person, source=PhotoOrigin(source))
            if data is None:
                raise ApplicationsErrorCode.PHOTO_SOURCE_UNAVAILABLE.error(source=source)
            answers.append(prepare_photo(data))
        except ApplicationError as error:
            answers.append(error)
    prepared = {a.digest: a for a in answers if isinstance(a, PreparedPhoto)}
    photo_files_write_many([(p.digest, p.data) for p in prepared.values()])
    stored = {p.digest: p for p in Photo.objects.filter(digest__in=list(prepared))}
    now = timezone.now()
    new: dict[str, tuple[Actor, Photo]] = {}
    out: list[Photo | ApplicationError] = []
    for (actor, person, source), answer in zip(wanted, answers, strict=True):
        if not isinstance(answer, PreparedPhoto):
            out.append(answer)
            continue
        photo = stored.get(answer.digest) or new.get(answer.digest, (actor, None))[1]
        if photo is None:
            photo = Photo(
                digest=answer.digest,
                source=source,
                content_type=STORED_CONTENT_TYPE,
                width=answer.width,
                height=answer.height,
                bytes=len(answer.data),
                person=person,
                created_at=now,
            )
            new[answer.digest] = (actor, photo)
        elif photo.person_id != person.pk:
            out.append(ApplicationsErrorCode.PHOTO_DUPLICATE.error())
            continue
        out.append(photo)
    if new:
        Photo.objects.bulk_create([photo for _, photo in new.values()])
        audit_append_each(
            [
                (
                    actor,
                    AuditFact(
                        action="photo_store",
                        object_type="applications.photo",
                        object_id=str(photo.pk),
                        changes={
                            "person_id": photo.person_id,
                            "source": photo.source,
                            "digest": photo.digest,
                            "width": photo.width,
                            "height": photo.height,
                            "bytes": photo.bytes,
                        },
                    ),
                )
                for actor, photo in new.values()
            ]
        )
    return out
