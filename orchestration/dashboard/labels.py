"""What the site calls things: Vietnamese first, English beneath (one table per kind)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Label:
    vi: str
    en: str


RATES = {
    "cccd_issuance_rate": Label("Tỷ lệ cấp CCCD gắn chip", "Chip-based ID cards issued (of eligible)"),
    "vneid_issuance_rate": Label("Tỷ lệ cấp tài khoản định danh điện tử", "VNeID accounts issued (of eligible)"),
    "vneid_activation_rate": Label("Tỷ lệ kích hoạt tài khoản VNeID", "VNeID accounts activated (of issued)"),
    "online_dossier_rate": Label("Tỷ lệ hồ sơ trực tuyến", "Dossiers received online (of all)"),
    "essential_services_rate": Label(
        "Tỷ lệ dịch vụ công thiết yếu đã triển khai", "Essential online public services deployed"
    ),
    "pilot_model_rate": Label("Tỷ lệ mô hình điểm đã triển khai", "Pilot models deployed (of planned)"),
    "task_completion_rate": Label("Tỷ lệ hoàn thành nhiệm vụ", "Tasks completed (of assigned)"),
}

GRAINS = {
    "year": Label("Năm", "year"),
    "half": Label("6 tháng", "half-year"),
    "quarter": Label("Quý", "quarter"),
    "month": Label("Tháng", "month"),
}

SEVERITIES = {"error": Label("lỗi", "error"), "warn": Label("cảnh báo", "warning")}

MERGER = Label("Sáp nhập", "merger")
TODAY_BOUNDARIES = Label("theo địa giới hiện nay", "today's boundaries")
