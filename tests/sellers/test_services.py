import pytest
from django.core.exceptions import ValidationError

from marketplace.core.audit import history_for
from marketplace.core.exceptions import DomainError, InvalidTransition
from marketplace.core.files import original_name
from marketplace.core.models import TransitionLog
from sellers import exit_checks, services
from sellers.models import BusinessInfo, JointCertification, Seller, ServiceGroup, StorePage
from tests.factories.accounts import EnterpriseUserFactory, UserFactory, make_uscc
from tests.factories.sellers import (
    ActiveSellerFactory,
    ApprovedSellerFactory,
    ExitedSellerFactory,
    ExitPendingSellerFactory,
    JointCertificationFactory,
    RejectedSellerFactory,
    SellerFactory,
    ServiceGroupFactory,
)

pytestmark = pytest.mark.django_db

Status = Seller.Status

APPLICATION = {
    "store_name": "Cloud Tools",
    "business_scope": "DevOps SaaS",
    "contact_name": "Wang Wu",
    "contact_mobile": "13700137000",
    "contact_email": "wang@example.com",
}


def last_log(obj) -> TransitionLog:
    return list(history_for(obj))[-1]


# --- application ------------------------------------------------------------------------------


class TestApply:
    def test_enterprise_applies_and_company_is_snapshotted(self):
        user = EnterpriseUserFactory()
        seller = services.seller_apply(user=user, **APPLICATION)
        assert seller.status == Status.PENDING
        assert seller.company_name == user.enterprise_verification.company_name
        assert seller.credit_code == user.enterprise_verification.credit_code
        assert seller.store_name == "Cloud Tools"
        log = last_log(seller)
        assert (log.action, log.from_state, log.to_state, log.actor) == (
            "apply",
            "",
            Status.PENDING,
            user,
        )

    def test_needs_enterprise_verification(self):
        user = UserFactory()
        with pytest.raises(DomainError, match="Only an enterprise may sell"):
            services.seller_apply(user=user, **APPLICATION)
        assert not Seller.objects.exists()

    def test_individual_cannot_apply(self):
        user = UserFactory(real_name_status="individual")
        with pytest.raises(DomainError):
            services.seller_apply(user=user, **APPLICATION)

    def test_exited_account_can_never_onboard_again(self):
        seller = ExitedSellerFactory()
        with pytest.raises(DomainError, match="can never onboard again"):
            services.seller_apply(user=seller.user, **APPLICATION)

    def test_rejected_seller_is_sent_to_resubmit(self):
        seller = RejectedSellerFactory()
        with pytest.raises(DomainError, match="submit it again"):
            services.seller_apply(user=seller.user, **APPLICATION)

    def test_cannot_apply_twice(self):
        seller = SellerFactory()
        with pytest.raises(DomainError, match="already applied"):
            services.seller_apply(user=seller.user, **APPLICATION)

    def test_missing_and_bad_fields_are_reported_per_field(self):
        user = EnterpriseUserFactory()
        data = {**APPLICATION, "store_name": "  ", "contact_mobile": "abc"}
        with pytest.raises(ValidationError) as exc:
            services.seller_apply(user=user, **data)
        assert "store_name" in exc.value.message_dict
        bad = {**APPLICATION, "contact_mobile": "abc", "contact_email": "nope"}
        with pytest.raises(ValidationError) as exc:
            services.seller_apply(user=user, **bad)
        assert set(exc.value.message_dict) == {"contact_mobile", "contact_email"}
        assert not Seller.objects.exists()


class TestResubmit:
    def test_rejected_goes_back_to_review(self):
        seller = RejectedSellerFactory()
        data = {**APPLICATION, "store_name": "Better Name"}
        seller = services.seller_resubmit(seller=seller, actor=seller.user, **data)
        assert seller.status == Status.PENDING
        assert seller.store_name == "Better Name"
        assert seller.rejection_reason == ""
        assert seller.reviewed_at is None
        log = last_log(seller)
        assert (log.action, log.from_state, log.to_state) == (
            "resubmit",
            Status.REJECTED,
            Status.PENDING,
        )

    @pytest.mark.parametrize("factory", [SellerFactory, ApprovedSellerFactory, ActiveSellerFactory])
    def test_only_from_rejected(self, factory):
        seller = factory()
        with pytest.raises(InvalidTransition):
            services.seller_resubmit(seller=seller, actor=seller.user, **APPLICATION)


class TestReview:
    def test_approve(self, operator):
        seller = services.seller_approve(seller=SellerFactory(), actor=operator)
        assert seller.status == Status.APPROVED
        assert seller.reviewed_at is not None
        log = last_log(seller)
        assert (log.action, log.from_state, log.to_state, log.actor) == (
            "approve",
            Status.PENDING,
            Status.APPROVED,
            operator,
        )

    def test_reject_with_reason(self, operator):
        seller = services.seller_reject(
            seller=SellerFactory(), actor=operator, reason=" Licence unreadable "
        )
        assert seller.status == Status.REJECTED
        assert seller.rejection_reason == "Licence unreadable"
        assert last_log(seller).reason == "Licence unreadable"

    def test_reject_needs_reason(self, operator):
        seller = SellerFactory()
        with pytest.raises(DomainError, match="reason"):
            services.seller_reject(seller=seller, actor=operator, reason="  ")
        seller.refresh_from_db()
        assert seller.status == Status.PENDING

    @pytest.mark.parametrize(
        "factory", [RejectedSellerFactory, ApprovedSellerFactory, ActiveSellerFactory]
    )
    def test_review_only_pending(self, factory, operator):
        seller = factory()
        with pytest.raises(InvalidTransition):
            services.seller_approve(seller=seller, actor=operator)
        with pytest.raises(InvalidTransition):
            services.seller_reject(seller=seller, actor=operator, reason="x")


# --- business information -----------------------------------------------------------------------


def business_data(logo, **overrides):
    data = {
        "province": "北京市",
        "city": "北京市",
        "district": "海淀区",
        "address_detail": "中关村大街 1 号",
        "has_marketplace_contact": False,
        "logo": logo,
    }
    data.update(overrides)
    return data


class TestBusinessInfo:
    def test_certify_activates_the_seller(self, image_file):
        seller = ApprovedSellerFactory()
        info = services.business_info_certify(
            seller=seller, actor=seller.user, **business_data(image_file("logo.jpg"))
        )
        seller.refresh_from_db()
        assert seller.status == Status.ACTIVE
        assert seller.activated_at == info.certified_at
        assert info.district == "海淀区"
        assert info.marketplace_contact_name == ""
        log = last_log(seller)
        assert (log.action, log.from_state, log.to_state) == (
            "certify_business_info",
            Status.APPROVED,
            Status.ACTIVE,
        )

    def test_with_contact_all_three_required(self, image_file):
        seller = ApprovedSellerFactory()
        data = business_data(
            image_file(), has_marketplace_contact=True, marketplace_contact_name="Zhao Liu"
        )
        with pytest.raises(ValidationError) as exc:
            services.business_info_certify(seller=seller, actor=seller.user, **data)
        assert set(exc.value.message_dict) == {
            "marketplace_contact_mobile",
            "marketplace_contact_email",
        }
        assert not BusinessInfo.objects.exists()

    def test_with_contact_stored(self, image_file):
        seller = ApprovedSellerFactory()
        data = business_data(
            image_file(),
            has_marketplace_contact=True,
            marketplace_contact_name="Zhao Liu",
            marketplace_contact_mobile="13600136000",
            marketplace_contact_email="zhao@market.example.com",
        )
        info = services.business_info_certify(seller=seller, actor=seller.user, **data)
        assert info.has_marketplace_contact
        assert info.marketplace_contact_email == "zhao@market.example.com"

    def test_without_contact_nothing_stored(self, image_file):
        seller = ApprovedSellerFactory()
        data = business_data(
            image_file(), has_marketplace_contact=False, marketplace_contact_name="Ignored"
        )
        info = services.business_info_certify(seller=seller, actor=seller.user, **data)
        assert info.marketplace_contact_name == ""

    def test_region_must_come_from_the_lists(self, image_file):
        seller = ApprovedSellerFactory()
        data = business_data(image_file(), city="上海市")
        with pytest.raises(ValidationError) as exc:
            services.business_info_certify(seller=seller, actor=seller.user, **data)
        assert "district" in exc.value.message_dict

    def test_logo_too_big(self, image_file, settings):
        settings.MAX_LOGO_BYTES = 100
        seller = ApprovedSellerFactory()
        with pytest.raises(ValidationError, match="too large") as exc:
            services.business_info_certify(
                seller=seller, actor=seller.user, **business_data(image_file())
            )
        assert "logo" in exc.value.message_dict
        seller.refresh_from_db()
        assert seller.status == Status.APPROVED

    def test_logo_text_file_renamed_png(self, fake_image_file):
        seller = ApprovedSellerFactory()
        with pytest.raises(ValidationError, match="not a valid image"):
            services.business_info_certify(
                seller=seller, actor=seller.user, **business_data(fake_image_file)
            )

    def test_logo_gif_refused(self):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from tests.conftest import make_image_bytes

        gif = SimpleUploadedFile("logo.gif", make_image_bytes(fmt="GIF"))
        seller = ApprovedSellerFactory()
        with pytest.raises(ValidationError, match="Only JPG/JPEG, PNG"):
            services.business_info_certify(seller=seller, actor=seller.user, **business_data(gif))

    @pytest.mark.parametrize("factory", [SellerFactory, RejectedSellerFactory, ActiveSellerFactory])
    def test_only_approved(self, factory, image_file):
        seller = factory()
        with pytest.raises(InvalidTransition):
            services.business_info_certify(
                seller=seller, actor=seller.user, **business_data(image_file())
            )


# --- store page -----------------------------------------------------------------------------------


class TestStorePage:
    def test_update_everything(self, image_file, mp4_file, settings):
        seller = ActiveSellerFactory()
        width = settings.STORE_CERTIFICATE_WIDTH
        page = services.store_page_update(
            seller=seller,
            actor=seller.user,
            brand_story="Since 2010.",
            intro_video=mp4_file,
            intro_images=[image_file("a.png", size=(780, 440)), image_file("b.jpg", (780, 440))],
            certificate_image=image_file("cert.png", size=(width, 1200)),
        )
        assert page.brand_story == "Since 2010."
        assert page.intro_video.name.endswith(".mp4")
        assert original_name(page.intro_video) == "intro.mp4"
        assert [i.position for i in page.images.all()] == [0, 1]
        assert page.certificate_image
        assert last_log(seller).action == "update_store_page"

    def test_mov_video_accepted_and_images_replaced(self, image_file, mov_file):
        seller = ActiveSellerFactory()
        services.store_page_update(
            seller=seller, actor=seller.user, intro_images=[image_file(size=(780, 440))] * 1
        )
        page = services.store_page_update(
            seller=seller,
            actor=seller.user,
            intro_video=mov_file,
            intro_images=[image_file("new.png", size=(780, 440))],
        )
        assert page.images.count() == 1
        assert original_name(page.images.get().image) == "new.png"

    def test_nothing_given_keeps_images(self, image_file):
        seller = ActiveSellerFactory()
        services.store_page_update(
            seller=seller, actor=seller.user, intro_images=[image_file(size=(780, 440))]
        )
        page = services.store_page_update(seller=seller, actor=seller.user, brand_story="x")
        assert page.images.count() == 1

    def test_store_image_wrong_size(self, image_file):
        seller = ActiveSellerFactory()
        with pytest.raises(ValidationError, match="exactly 780×440") as exc:
            services.store_page_update(
                seller=seller, actor=seller.user, intro_images=[image_file(size=(800, 440))]
            )
        assert "intro_images" in exc.value.message_dict
        assert not StorePage.objects.exists()

    def test_video_that_is_not_a_video(self, fake_video_file):
        seller = ActiveSellerFactory()
        with pytest.raises(ValidationError, match="MP4 or MOV") as exc:
            services.store_page_update(
                seller=seller, actor=seller.user, intro_video=fake_video_file
            )
        assert "intro_video" in exc.value.message_dict

    def test_certificate_wrong_width(self, image_file, settings):
        seller = ActiveSellerFactory()
        with pytest.raises(ValidationError, match="pixels wide"):
            services.store_page_update(
                seller=seller,
                actor=seller.user,
                certificate_image=image_file(size=(settings.STORE_CERTIFICATE_WIDTH + 1, 100)),
            )

    def test_too_many_images(self, image_file):
        seller = ActiveSellerFactory()
        images = [image_file(f"{i}.png", size=(780, 440)) for i in range(6)]
        with pytest.raises(ValidationError, match="at most 5"):
            services.store_page_update(seller=seller, actor=seller.user, intro_images=images)

    @pytest.mark.parametrize("factory", [ApprovedSellerFactory, ExitPendingSellerFactory])
    def test_only_active(self, factory):
        seller = factory()
        with pytest.raises(InvalidTransition):
            services.store_page_update(seller=seller, actor=seller.user, brand_story="x")


# --- joint-operation certification ----------------------------------------------------------


def joint_draft(seller, delivery_type="joint_saas"):
    """A draft product of `seller` that no certification names yet."""
    from tests.factories.catalog_publishing import draft_product

    return draft_product(seller, delivery_type=delivery_type, certified=False)


class TestJointCertification:
    def submit(self, seller, letter, **overrides):
        data = {
            "company_name": seller.company_name,
            "credit_code": seller.credit_code.lower(),
            "authorization_letter": letter,
            "products_description": "Joint SaaS",
        }
        data.update(overrides)
        if "products" not in data and seller.status == Status.ACTIVE:
            data["products"] = [joint_draft(seller)]
        data.setdefault("products", [])
        return services.joint_certification_submit(seller=seller, actor=seller.user, **data)

    def test_submit(self, pdf_file):
        seller = ActiveSellerFactory()
        product = joint_draft(seller)
        cert = self.submit(seller, pdf_file, products=[product], products_description="")
        assert cert.status == JointCertification.Status.PENDING
        assert cert.credit_code == seller.credit_code
        assert list(cert.products.all()) == [product]  # a draft may be named
        log = last_log(cert)
        assert (log.action, log.to_state, log.actor) == ("submit", "pending", seller.user)

    def test_entity_mismatch_name(self, pdf_file):
        seller = ActiveSellerFactory()
        with pytest.raises(DomainError, match="must be the one that sells"):
            self.submit(seller, pdf_file, company_name="Another Co.")
        assert not JointCertification.objects.exists()

    def test_entity_mismatch_credit_code(self, pdf_file):
        seller = ActiveSellerFactory()
        with pytest.raises(DomainError, match="must be the one that sells"):
            self.submit(seller, pdf_file, credit_code=make_uscc(999_999))

    def test_bad_credit_code(self, pdf_file):
        seller = ActiveSellerFactory()
        with pytest.raises(ValidationError) as exc:
            self.submit(seller, pdf_file, credit_code="123")
        assert "credit_code" in exc.value.message_dict

    def test_letter_checked_by_content(self, fake_image_file):
        seller = ActiveSellerFactory()
        with pytest.raises(ValidationError) as exc:
            self.submit(seller, fake_image_file)
        assert "authorization_letter" in exc.value.message_dict

    @pytest.mark.parametrize("status", ["pending", "approved"])
    def test_a_product_is_named_by_one_open_certification(self, pdf_file, status):
        cert = JointCertificationFactory(status=status)
        product = joint_draft(cert.seller)
        cert.products.add(product)
        with pytest.raises(ValidationError, match="Already covered") as exc:
            self.submit(cert.seller, pdf_file, products=[product])
        assert "products" in exc.value.message_dict
        # Another product gets a certification of its own, next to the open one.
        other = self.submit(cert.seller, pdf_file, products=[joint_draft(cert.seller)])
        assert other.status == JointCertification.Status.PENDING

    def test_a_rejected_certification_frees_its_products(self, pdf_file):
        cert = JointCertificationFactory(status=JointCertification.Status.REJECTED)
        product = joint_draft(cert.seller)
        cert.products.add(product)
        assert list(self.submit(cert.seller, pdf_file, products=[product]).products.all()) == [
            product
        ]

    def test_products_are_required(self, pdf_file):
        with pytest.raises(ValidationError) as exc:
            self.submit(ActiveSellerFactory(), pdf_file, products=[])
        assert "products" in exc.value.message_dict

    def test_only_own_joint_products(self, pdf_file):
        seller = ActiveSellerFactory()
        for product in (joint_draft(ActiveSellerFactory()), joint_draft(seller, "saas")):
            with pytest.raises(ValidationError, match="own joint-operation products"):
                self.submit(seller, pdf_file, products=[product])
        assert not JointCertification.objects.exists()

    def test_after_rejection_submit_again(self, pdf_file):
        cert = JointCertificationFactory(status=JointCertification.Status.REJECTED)
        assert self.submit(cert.seller, pdf_file).status == "pending"

    def test_only_active_seller(self, pdf_file):
        seller = ApprovedSellerFactory()
        with pytest.raises(InvalidTransition):
            self.submit(seller, pdf_file)

    def test_approve(self, operator):
        cert = services.joint_certification_approve(
            certification=JointCertificationFactory(), actor=operator
        )
        assert cert.status == JointCertification.Status.APPROVED
        assert cert.reviewed_at is not None
        log = last_log(cert)
        assert (log.from_state, log.to_state, log.actor) == ("pending", "approved", operator)

    def test_reject_needs_reason(self, operator):
        cert = JointCertificationFactory()
        with pytest.raises(DomainError, match="reason"):
            services.joint_certification_reject(certification=cert, actor=operator, reason="")
        cert = services.joint_certification_reject(
            certification=cert, actor=operator, reason="Letter unsigned"
        )
        assert cert.status == JointCertification.Status.REJECTED
        assert cert.rejection_reason == "Letter unsigned"
        assert last_log(cert).reason == "Letter unsigned"

    @pytest.mark.parametrize("status", ["approved", "rejected"])
    def test_review_only_pending(self, status, operator):
        cert = JointCertificationFactory(status=status)
        with pytest.raises(InvalidTransition):
            services.joint_certification_approve(certification=cert, actor=operator)
        with pytest.raises(InvalidTransition):
            services.joint_certification_reject(certification=cert, actor=operator, reason="x")


# --- customer-service groups ----------------------------------------------------------------------

GROUP = {
    "name": "After-sales",
    "phone": "400-123-4567",
    "email": "help@example.com",
    "hours": "24/7",
}


class TestServiceGroups:
    def test_create_update_delete(self):
        seller = ActiveSellerFactory()
        group = services.service_group_create(seller=seller, actor=seller.user, **GROUP)
        assert group.seller == seller
        group = services.service_group_update(
            group=group, actor=seller.user, **{**GROUP, "hours": "Mon–Fri"}
        )
        assert group.hours == "Mon–Fri"
        services.service_group_delete(group=group, actor=seller.user)
        assert not ServiceGroup.objects.exists()
        actions = list(
            TransitionLog.objects.filter(object_id=str(group.pk)).values_list("action", flat=True)
        )
        assert actions == ["create", "update", "delete"]

    def test_duplicate_name_refused(self):
        group = ServiceGroupFactory(name="Sales")
        with pytest.raises(ValidationError) as exc:
            services.service_group_create(
                seller=group.seller, actor=group.seller.user, **{**GROUP, "name": "sales"}
            )
        assert "name" in exc.value.message_dict

    def test_same_name_for_another_seller_is_fine(self):
        ServiceGroupFactory(name="Sales")
        seller = ActiveSellerFactory()
        services.service_group_create(
            seller=seller, actor=seller.user, **{**GROUP, "name": "Sales"}
        )

    def test_required_fields(self):
        seller = ActiveSellerFactory()
        with pytest.raises(ValidationError) as exc:
            services.service_group_create(
                seller=seller, actor=seller.user, **{**GROUP, "phone": "", "email": "bad"}
            )
        assert {"phone"} <= set(exc.value.message_dict)

    def test_bad_email(self):
        seller = ActiveSellerFactory()
        with pytest.raises(ValidationError) as exc:
            services.service_group_create(
                seller=seller, actor=seller.user, **{**GROUP, "email": "bad"}
            )
        assert "email" in exc.value.message_dict

    def test_only_active_seller(self):
        seller = ApprovedSellerFactory()
        with pytest.raises(InvalidTransition):
            services.service_group_create(seller=seller, actor=seller.user, **GROUP)


# --- exit ---------------------------------------------------------------------------------------


def products_still_listed(seller):
    return ["2 products are still listed: delist them first."]


class TestExit:
    def test_request_withdraw_request_approve(self, operator):
        seller = ActiveSellerFactory()
        seller = services.seller_request_exit(seller=seller, actor=seller.user, reason="Pivot")
        assert seller.status == Status.EXIT_PENDING
        assert seller.exit_reason == "Pivot"
        seller = services.seller_withdraw_exit(seller=seller, actor=seller.user)
        assert seller.status == Status.ACTIVE
        services.seller_request_exit(seller=seller, actor=seller.user)
        seller = services.seller_approve_exit(seller=seller, actor=operator)
        assert seller.status == Status.EXITED
        assert seller.exited_at is not None
        steps = [(r.action, r.from_state, r.to_state) for r in history_for(seller)]
        assert steps == [
            ("request_exit", "active", "exit_pending"),
            ("withdraw_exit", "exit_pending", "active"),
            ("request_exit", "active", "exit_pending"),
            ("approve_exit", "exit_pending", "exited"),
        ]
        assert last_log(seller).actor == operator
        # Final: the same account can never onboard again.
        with pytest.raises(DomainError, match="never onboard again"):
            services.seller_apply(user=seller.user, **APPLICATION)

    def test_request_blocked_by_a_registered_check(self):
        exit_checks.register(products_still_listed)
        exit_checks.register(lambda seller: [])
        seller = ActiveSellerFactory()
        with pytest.raises(DomainError, match="still listed"):
            services.seller_request_exit(seller=seller, actor=seller.user)
        seller.refresh_from_db()
        assert seller.status == Status.ACTIVE
        assert not history_for(seller).exists()

    def test_approval_rechecks(self, operator):
        seller = ExitPendingSellerFactory()
        exit_checks.register(products_still_listed)
        with pytest.raises(DomainError, match="still listed"):
            services.seller_approve_exit(seller=seller, actor=operator)

    def test_check_sees_the_seller(self):
        seen = []
        exit_checks.register(lambda s: seen.append(s.pk) or [])
        seller = ActiveSellerFactory()
        services.seller_request_exit(seller=seller, actor=seller.user)
        assert seen == [seller.pk]

    def test_register_twice_is_harmless(self):
        exit_checks.register(products_still_listed)
        exit_checks.register(products_still_listed)
        assert exit_checks.blocking_reasons(ActiveSellerFactory()) == [
            "2 products are still listed: delist them first."
        ]

    @pytest.mark.parametrize("factory", [ApprovedSellerFactory, ExitPendingSellerFactory])
    def test_request_only_active(self, factory):
        seller = factory()
        with pytest.raises(InvalidTransition):
            services.seller_request_exit(seller=seller, actor=seller.user)

    @pytest.mark.parametrize("factory", [ActiveSellerFactory, ExitedSellerFactory])
    def test_withdraw_and_approve_only_exit_pending(self, factory, operator):
        seller = factory()
        with pytest.raises(InvalidTransition):
            services.seller_withdraw_exit(seller=seller, actor=seller.user)
        with pytest.raises(InvalidTransition):
            services.seller_approve_exit(seller=seller, actor=operator)


class TestExitSteps:
    """Work the exit waits for rather than refuses (issue 6 item 11): a registered step
    starts with the request, is cancelled with the withdrawal, and holds the exit until
    it has nothing pending; `seller_complete_exit` then completes it."""

    @pytest.fixture
    def step(self):
        calls = []
        pending = {"reasons": ["1 product is still listed: delist it first."]}
        step = exit_checks.ExitStep(
            pending=lambda seller: list(pending["reasons"]),
            start=lambda seller, actor: calls.append(("start", seller.pk, actor)),
            cancel=lambda seller, actor: calls.append(("cancel", seller.pk, actor)),
        )
        exit_checks.register_step(step)
        exit_checks.register_step(step)  # twice is harmless
        return step, calls, pending

    def test_request_starts_and_withdraw_cancels(self, step):
        _step, calls, _pending = step
        seller = ActiveSellerFactory()
        seller = services.seller_request_exit(seller=seller, actor=seller.user)
        assert seller.status == Status.EXIT_PENDING  # pending work doesn't refuse
        services.seller_withdraw_exit(seller=seller, actor=seller.user)
        assert calls == [("start", seller.pk, seller.user), ("cancel", seller.pk, seller.user)]

    def test_pending_work_holds_the_approval_and_the_completion(self, step, operator):
        _step, _calls, pending = step
        seller = ActiveSellerFactory()
        services.seller_request_exit(seller=seller, actor=seller.user)
        with pytest.raises(DomainError, match="still listed"):
            services.seller_approve_exit(seller=seller, actor=operator)
        assert services.seller_complete_exit(seller=seller, actor=operator) is False
        pending["reasons"] = []
        assert services.seller_complete_exit(seller=seller, actor=operator) is True
        seller.refresh_from_db()
        assert seller.status == Status.EXITED and seller.exited_at is not None
        assert last_log(seller).action == "complete_exit"

    def test_a_blocking_check_still_refuses_the_request_and_holds_completion(self, step):
        exit_checks.register(lambda seller: ["An appeal is open."])
        seller = ActiveSellerFactory()
        with pytest.raises(DomainError, match="appeal"):
            services.seller_request_exit(seller=seller, actor=seller.user)
        _step, calls, pending = step
        assert calls == []
        pending["reasons"] = []
        seller = ExitPendingSellerFactory()
        assert services.seller_complete_exit(seller=seller, actor=None) is False

    @pytest.mark.parametrize("factory", [ActiveSellerFactory, ExitedSellerFactory])
    def test_completion_only_of_a_pending_exit(self, factory):
        seller = factory()
        assert services.seller_complete_exit(seller=seller, actor=None) is False
        assert Seller.objects.get(pk=seller.pk).status == seller.status
